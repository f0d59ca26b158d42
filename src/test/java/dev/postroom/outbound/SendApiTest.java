package dev.postroom.outbound;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.postroom.outbound.OutboundApi.ALICE;
import static dev.postroom.outbound.OutboundApi.BOB;
import static dev.postroom.outbound.OutboundApi.LIMITED;
import static dev.postroom.outbound.OutboundApi.as;
import static dev.postroom.outbound.OutboundApi.email;
import static dev.postroom.outbound.OutboundApi.rows;
import static dev.postroom.outbound.OutboundApi.send;
import static dev.postroom.outbound.OutboundApi.sendOk;
import static dev.postroom.outbound.OutboundApi.uniqueAddress;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The edge of POST /send: authentication, validation, idempotency, rate limits and who sees what. */
@QuarkusTest
class SendApiTest {

    @Inject
    Pool pool;

    @Test
    void sendWithoutOrWithAnUnknownKeyIsUnauthorized() {
        given().contentType("application/json").body(email(uniqueAddress("x-"), "s")).post("/send")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("status", is(401));
        as("not-a-key-at-all-000000").body(email(uniqueAddress("x-"), "s")).post("/send").then().statusCode(401);
        given().get("/logs/email").then().statusCode(401);
    }

    @Test
    void invalidEmailIsRejectedNamingEveryBadField() {
        String subjectWithInjection = "Hello\r\nBcc: victim@example.org";
        long before = rows(pool, "SELECT count(*) FROM email_log WHERE subject = $1", subjectWithInjection);

        send(ALICE, Map.of("to", List.of("good@example.org", "not-an-address"), "cc", "x@@example.org",
                "from", "Evil <evil@example.org>\r\nBcc: victim@example.org",
                "subject", subjectWithInjection))
                .statusCode(400)
                .contentType("application/problem+json")
                .body("title", is("Invalid request"))
                .body("errors.field", hasItems("to[1]", "cc[0]", "from", "subject", "text"));

        assertEquals(before, rows(pool, "SELECT count(*) FROM email_log WHERE subject = $1", subjectWithInjection),
                "nothing was logged");
    }

    @Test
    void fromMustBeAnAllowedSender() {
        // %test.postroom.outbound.allowed-senders=@example.org,News@Example.com
        for (String allowed : List.of("Alice <alice@example.org>", "BOB@EXAMPLE.ORG", "news@example.com")) {
            send(ALICE, Map.of("to", uniqueAddress("from-ok-"), "from", allowed, "subject", "s", "text", "t"))
                    .statusCode(202);
        }
        for (String spoofed : List.of("ceo@example.com", "someone@example.org.evil.test", "x@sub.example.org")) {
            send(ALICE, Map.of("to", uniqueAddress("from-no-"), "from", spoofed, "subject", "s", "text", "t"))
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("errors.field", hasItem("from"))
                    .body("errors.message", hasItem(containsString("not among the senders")));
        }
    }

    @Test
    void missingRecipientsTooManyRecipientsAndMalformedJsonAreClearErrors() {
        send(ALICE, Map.of("subject", "s", "text", "t")).statusCode(400).body("errors.field", hasItem("to"));
        List<String> many = Collections.nCopies(51, "someone@example.org");
        send(ALICE, Map.of("to", many, "subject", "s", "text", "t")).statusCode(400)
                .body("errors.message", hasItem(containsString("too many recipients")));
        as(ALICE).body("{\"to\": \"a@example.org\", \"subject\": ").post("/send").then().statusCode(400)
                .contentType("application/problem+json");
        as(ALICE).body("{\"to\": {\"not\": \"a string\"}, \"subject\": \"s\", \"text\": \"t\"}").post("/send")
                .then().statusCode(400).body("detail", containsString("to"));
        as(ALICE).body("{\"to\": \"a@example.org\", \"subject\": \"s\", \"text\": \"t\", \"bc\": \"b@example.org\"}")
                .post("/send").then().statusCode(400).body("errors[0].field", is("bc"));
    }

    @Test
    void sameIdempotencyKeyAndBodyReturnsTheFirstAnswerWithoutQueueingAgain() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = email(uniqueAddress("idem-"), "Only once");
        String first = as(ALICE).header("Idempotency-Key", key).body(body).post("/send").then().statusCode(202)
                .extract().path("id");
        String second = as(ALICE).header("Idempotency-Key", key).body(body).post("/send").then().statusCode(202)
                .header("Idempotent-Replayed", "true").extract().path("id");

        assertEquals(first, second);
        assertEquals(1, rows(pool, "SELECT count(*) FROM email_log WHERE idempotency_key = $1", key));
        as(ALICE).header("Idempotency-Key", key).body(email(uniqueAddress("idem-"), "Something else"))
                .post("/send").then().statusCode(409).contentType("application/problem+json");
        // Keys are per owner: Bob may use the same key for his own email.
        as(BOB).header("Idempotency-Key", key).body(body).post("/send").then().statusCode(202)
                .body("id", not(first));
    }

    @Test
    void rateLimitAnswers429WithRetryAfterAndRateLimitHeaders() {
        String body = "{\"to\":\"" + uniqueAddress("rl-") + "\",\"subject\":\"s\",\"text\":\"t\"}";
        int accepted = 0;
        int limited = 0;
        for (int i = 0; i < 5; i++) {
            var response = as(LIMITED).body(body).post("/send").then().extract();
            if (response.statusCode() == 202) {
                accepted++;
                assertEquals("3", response.header("RateLimit-Limit"));
            } else {
                assertEquals(429, response.statusCode());
                assertEquals("0", response.header("RateLimit-Remaining"));
                org.junit.jupiter.api.Assertions.assertNotNull(response.header("Retry-After"));
                assertEquals("application/problem+json", response.contentType());
                limited++;
            }
        }
        assertEquals(3, accepted);
        assertEquals(2, limited);
        // Other keys have their own budget.
        sendOk(ALICE, email(uniqueAddress("rl-other-"), "s"));
    }

    @Test
    void eachKeySeesOnlyItsOwnersLog() {
        String alices = sendOk(ALICE, email(uniqueAddress("private-"), "Alice's secret"));

        as(BOB).get("/logs/email/" + alices).then().statusCode(404).contentType("application/problem+json");
        as(BOB).get("/logs/email?limit=100").then().statusCode(200).body("data.id", not(hasItem(alices)));
        as(ALICE).get("/logs/email/" + alices).then().statusCode(200).body("subject", is("Alice's secret"));
        as(ALICE).get("/logs/email/not-a-uuid").then().statusCode(404);
    }

    @Test
    void everyAnswerCarriesARequestId() {
        as(ALICE).header("X-Request-Id", "client-chosen-id-42").get("/logs/email?limit=1").then()
                .statusCode(200).header("X-Request-Id", "client-chosen-id-42");
        as(ALICE).get("/logs/email?limit=1").then().header("X-Request-Id", notNullValue());
        String id = as(ALICE).header("X-Request-Id", "req-" + UUID.randomUUID()).body(email(uniqueAddress("rid-"), "s"))
                .post("/send").then().statusCode(202).extract().path("id");
        assertEquals(1, rows(pool, "SELECT count(*) FROM email_log WHERE id = $1 AND request_id LIKE 'req-%'", UUID.fromString(id)),
                "the request id is stored with the job, so the worker's log lines carry it");
    }

    @Test
    void badQueryParametersAreClearErrors() {
        as(ALICE).get("/logs/email?limit=1000").then().statusCode(400).body("errors[0].field", is("limit"));
        as(ALICE).get("/logs/email?status=lost").then().statusCode(400).body("errors[0].field", is("status"));
        as(ALICE).get("/logs/email?tz=Mars/Base").then().statusCode(400).body("errors[0].field", is("tz"));
        as(ALICE).get("/logs/email?cursor=garbage").then().statusCode(400).body("errors[0].field", is("cursor"));
        as(ALICE).get("/logs/email?from=yesterday").then().statusCode(400).body("errors[0].field", is("from"));
        as(ALICE).get("/logs/email?page=2&limit=5").then().statusCode(200).body("links.first", startsWith("http"));
    }
}
