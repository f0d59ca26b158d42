package dev.postroom.outbound;

import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** What the outbound tests do over and over: call the API as a key's owner, and wait for an email's final state. */
final class OutboundApi {

    static final String ALICE = "test-key-alice-0123456789";
    static final String BOB = "test-key-bob-0123456789";
    static final String LIMITED = "test-key-limited-0123456789";

    private OutboundApi() {
    }

    static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    static String uniqueAddress(String prefix) {
        return prefix + UUID.randomUUID() + "@example.org";
    }

    static ValidatableResponse send(String key, Map<String, Object> body) {
        return as(key).body(body).when().post("/send").then();
    }

    static String sendOk(String key, Map<String, Object> body) {
        return send(key, body).statusCode(202).extract().path("id");
    }

    static Map<String, Object> email(String to, String subject) {
        return Map.of("to", to, "subject", subject, "text", "Hello from the outbound tests.");
    }

    /** Waits until the email reaches a final state (sent or failed) and returns its log entry. */
    static ValidatableResponse awaitFinal(String key, String id) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String status = as(key).get("/logs/email/" + id).then().statusCode(200).extract().path("status");
            return "sent".equals(status) || "failed".equals(status);
        });
        return as(key).get("/logs/email/" + id).then().statusCode(200);
    }

    static long rows(Pool pool, String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }
}
