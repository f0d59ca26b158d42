package dev.postroom.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NByteArrayEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.ResponseListener;
import org.elasticsearch.client.RestClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The low-level REST client as {@link Uni}s: requests never block a thread, and the body comes back as JSON. Only
 * REST calls both Elasticsearch 8/9 and OpenSearch 2/3 understand go through here.
 */
@ApplicationScoped
class Engine {

    static final ContentType NDJSON = ContentType.create("application/x-ndjson", StandardCharsets.UTF_8);

    private final RestClient client;
    private final ObjectMapper json;

    Engine(RestClient client, ObjectMapper json) {
        this.client = client;
        this.json = json;
    }

    ObjectMapper json() {
        return json;
    }

    /** A request with a JSON body (or none when {@code body} is null). */
    static Request request(String method, String path, JsonNode body) {
        Request request = new Request(method, path);
        if (body != null) {
            request.setJsonEntity(body.toString());
        }
        return request;
    }

    /** A request with an ndjson body, as {@code _bulk} needs (the JSON entity would be refused). */
    static Request ndjson(String method, String path, String lines) {
        Request request = new Request(method, path);
        request.setEntity(new NByteArrayEntity(lines.getBytes(StandardCharsets.UTF_8), NDJSON));
        return request;
    }

    /** Sends the request; an HTTP status of 400 or more fails the Uni with an {@link EngineException}. */
    Uni<JsonNode> send(Request request) {
        return Uni.createFrom().emitter(emitter -> client.performRequestAsync(request, new ResponseListener() {
            @Override
            public void onSuccess(Response response) {
                try {
                    emitter.complete(body(response));
                } catch (IOException e) {
                    emitter.fail(e);
                }
            }

            @Override
            public void onFailure(Exception exception) {
                if (exception instanceof ResponseException refused) {
                    Response response = refused.getResponse();
                    JsonNode body;
                    try {
                        body = body(response);
                    } catch (IOException e) {
                        body = json.createObjectNode();
                    }
                    emitter.fail(new EngineException(request.getMethod() + " " + request.getEndpoint(),
                            response.getStatusLine().getStatusCode(), body));
                } else {
                    emitter.fail(exception);
                }
            }
        }));
    }

    private JsonNode body(Response response) throws IOException {
        if (response.getEntity() == null) {
            return json.createObjectNode();
        }
        String text = EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
        return text.isBlank() ? json.createObjectNode() : json.readTree(text);
    }
}
