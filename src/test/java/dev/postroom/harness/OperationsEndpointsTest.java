package dev.postroom.harness;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;

@QuarkusTest
class OperationsEndpointsTest {

    @Test
    void readinessChecksPostgresRedisAndElasticsearch() {
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItems(
                        containsString("PostgreSQL"), containsString("Redis"), containsString("Elasticsearch")));
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
    }

    @Test
    void openApiSwaggerUiAndPrometheusMetricsAreServed() {
        given().when().get("/q/openapi?format=json").then().statusCode(200).body("info.title", is("Postroom API"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void homePageLinksTheOperatorEndpoints() {
        given().when().get("/").then().statusCode(200)
                .body(containsString("<h1>Postroom</h1>"))
                .body(containsString("/q/swagger-ui"));
    }
}
