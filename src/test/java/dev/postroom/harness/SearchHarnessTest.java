package dev.postroom.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NByteArrayEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@QuarkusTest
class SearchHarnessTest {

    @Inject
    RestClient search;

    @Inject
    ObjectMapper json;

    @Test
    void indexIsCreatedBulkWrittenAndSearched() throws IOException {
        String index = "harness-" + System.nanoTime();
        Request create = new Request("PUT", "/" + index);
        create.setJsonEntity("""
                {"mappings":{"dynamic":"strict","properties":{"subject":{"type":"text"},"folder":{"type":"keyword"}}}}""");
        search.performRequest(create);

        Request bulk = new Request("POST", "/" + index + "/_bulk");
        bulk.addParameter("refresh", "wait_for");
        String lines = """
                {"index":{"_id":"1"}}
                {"subject":"Quarterly report is ready","folder":"inbox"}
                {"index":{"_id":"2"}}
                {"subject":"Lunch on Friday?","folder":"inbox"}
                {"index":{"_id":"3"}}
                {"subject":"Report: build failed","folder":"archive"}
                """;
        bulk.setEntity(new NByteArrayEntity(lines.getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson")));
        JsonNode bulkResult = read(search.performRequest(bulk));
        assertFalse(bulkResult.get("errors").asBoolean(), bulkResult.toString());

        Request query = new Request("POST", "/" + index + "/_search");
        query.setJsonEntity("""
                {"query":{"bool":{"must":{"match":{"subject":"report"}},"filter":{"term":{"folder":"inbox"}}}}}""");
        JsonNode hits = read(search.performRequest(query)).path("hits");

        assertEquals(1, hits.path("total").path("value").asInt());
        assertEquals("1", hits.path("hits").get(0).path("_id").asText());
        search.performRequest(new Request("DELETE", "/" + index));
    }

    private JsonNode read(Response response) throws IOException {
        return json.readTree(EntityUtils.toString(response.getEntity()));
    }
}
