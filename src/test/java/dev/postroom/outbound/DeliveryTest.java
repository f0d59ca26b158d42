package dev.postroom.outbound;

import dev.postroom.testing.TestMailbox;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.postroom.outbound.OutboundApi.ALICE;
import static dev.postroom.outbound.OutboundApi.as;
import static dev.postroom.outbound.OutboundApi.awaitFinal;
import static dev.postroom.outbound.OutboundApi.email;
import static dev.postroom.outbound.OutboundApi.sendOk;
import static dev.postroom.outbound.OutboundApi.uniqueAddress;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /send through the queue and the worker to a real SMTP server, and what the log says about it. */
@QuarkusTest
class DeliveryTest {

    @Test
    void acceptedEmailIsDeliveredAndLoggedAsSent() {
        String to = uniqueAddress("happy-");
        String id = as(ALICE).body(Map.of("to", List.of(to), "cc", "Carol Copy <" + uniqueAddress("cc-") + ">",
                        "subject", "Quarterly report", "text", "Numbers are up.", "html", "<p>Numbers are <b>up</b>.</p>",
                        "replyTo", "reports@example.org"))
                .when().post("/send")
                .then().statusCode(202)
                .header("Location", containsString("/logs/email/"))
                .body("status", is("queued"))
                .body("createdAt", notNullValue())
                .extract().path("id");

        TestMailbox.Received received = TestMailbox.await(to, m -> "Quarterly report".equals(m.subject()), Duration.ofSeconds(20));
        assertTrue(received.body().contains("Numbers are up."), received.body());

        awaitFinal(ALICE, id)
                .body("status", is("sent"))
                .body("attempts", is(1))
                .body("sentAt", notNullValue())
                .body("failedAt", nullValue())
                .body("error", nullValue())
                .body("to", contains(to))
                .body("history.outcome", contains("sent"));
    }

    @Test
    void transientSmtpFailureIsRetriedThenSent() {
        String to = uniqueAddress("tempfail1-");
        String id = sendOk(ALICE, email(to, "Retry me"));

        awaitFinal(ALICE, id)
                .body("status", is("sent"))
                .body("attempts", is(2))
                .body("history.outcome", contains("retry", "sent"))
                .body("history[0].smtpCode", is(451))
                .body("error.code", is(451));
        assertEquals(1, TestMailbox.read(to).size(), "delivered exactly once");
    }

    @Test
    void permanentSmtpFailureFailsAtOnceWithTheError() {
        String to = uniqueAddress("reject-");
        String id = sendOk(ALICE, email(to, "Nobody home"));

        awaitFinal(ALICE, id)
                .body("status", is("failed"))
                .body("attempts", is(1))
                .body("failedAt", notNullValue())
                .body("sentAt", nullValue())
                .body("error.code", is(550))
                .body("error.message", containsString("Mailbox unavailable"));
    }

    @Test
    void transientFailuresStopAfterMaxAttempts() {
        String to = uniqueAddress("tempfail9-");
        String id = sendOk(ALICE, email(to, "Never gets through"));

        awaitFinal(ALICE, id)
                .body("status", is("failed"))
                .body("attempts", is(5))
                .body("history.outcome", contains("retry", "retry", "retry", "retry", "failed"))
                .body("error.code", is(451));
    }

    @Test
    void connectionDroppedMidTransactionIsTransient() {
        String to = uniqueAddress("drop-");
        String id = sendOk(ALICE, email(to, "Dropped"));

        Instant start = Instant.now();
        awaitFinal(ALICE, id)
                .body("status", is("failed"))
                .body("attempts", is(5))
                .body("error.code", nullValue())
                .body("error.message", notNullValue());
        assertTrue(Duration.between(start, Instant.now()).toMillis() > 300, "retries waited for their backoff");
    }
}
