package dev.postroom.outbound;

import dev.postroom.outbound.queue.RedisListConnector;
import dev.postroom.testing.PostgresServer;
import dev.postroom.testing.RealServers;
import dev.postroom.testing.RedisServer;
import dev.postroom.testing.TestMailbox;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.postroom.outbound.OutboundApi.ALICE;
import static dev.postroom.outbound.OutboundApi.as;
import static dev.postroom.outbound.OutboundApi.awaitFinal;
import static dev.postroom.outbound.OutboundApi.email;
import static dev.postroom.outbound.OutboundApi.rows;
import static dev.postroom.outbound.OutboundApi.sendOk;
import static dev.postroom.outbound.OutboundApi.uniqueAddress;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Nothing is lost: Redis flushed or down, a consumer that dies holding a job. */
@QuarkusTest
class DeliveryResilienceTest {

    private static final String QUEUE = "postroom:outbound:jobs";

    @Inject
    Pool pool;

    @Inject
    RedisDataSource redis;

    @Inject
    @Connector(RedisListConnector.NAME)
    RedisListConnector connector;

    @Test
    void jobsLostByAFlushedRedisAreRequeuedFromPostgres() {
        List<String> recipients = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String to = uniqueAddress("flushed-");
            recipients.add(to);
            ids.add(sendOk(ALICE, email(to, "Survives a flush")));
        }
        redis.flushall();

        for (String id : ids) {
            awaitFinal(ALICE, id).body("status", is("sent"));
        }
        for (String to : recipients) {
            assertEquals(1, TestMailbox.read(to).size(), to + " got its email exactly once");
        }
    }

    @Test
    void aJobHeldByADeadConsumerIsDeliveredOnce() {
        // The state a crashed instance leaves behind: it had claimed the job ('sending', attempt 1) and held it in its
        // processing list; its heartbeat has expired and its lease on the job has run out.
        String to = uniqueAddress("orphan-");
        UUID id = UUID.randomUUID();
        pool.preparedQuery("""
                        INSERT INTO email_log (id, owner, to_addresses, subject, text_body, status, attempts, next_attempt_at)
                        VALUES ($1, 'key:alice', ARRAY[$2], 'Left behind', 'A crashed worker held me.', 'sending', 1,
                            now() - interval '1 second')""")
                .execute(Tuple.of(id, to)).await().indefinitely();
        String dead = "dead-" + UUID.randomUUID();
        redis.list(String.class).lpush(QUEUE + ":processing:" + dead, id.toString());
        redis.set(String.class).sadd(QUEUE + ":consumers", dead);

        awaitFinal(ALICE, id.toString()).body("status", is("sent")).body("attempts", is(2));
        TestMailbox.await(to, m -> "Left behind".equals(m.subject()), Duration.ofSeconds(10));
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.list(String.class).llen(QUEUE + ":processing:" + dead) == 0);
        assertEquals(1, TestMailbox.read(to).size(), "sent once");
    }

    @Test
    void aJobStillInTheQueueOfADeadConsumerIsNotSentTwiceByTheSweeperAndTheQueue() {
        // Both recovery paths fire for the same job (the dead consumer's list and the sweeper): the claim lets one through.
        String to = uniqueAddress("twice-");
        UUID id = UUID.randomUUID();
        pool.preparedQuery("""
                        INSERT INTO email_log (id, owner, to_addresses, subject, text_body, status, next_attempt_at)
                        VALUES ($1, 'key:alice', ARRAY[$2], 'Only once', 'Two ways back, one delivery.', 'queued',
                            now() - interval '1 second')""")
                .execute(Tuple.of(id, to)).await().indefinitely();
        String dead = "dead-" + UUID.randomUUID();
        redis.list(String.class).lpush(QUEUE + ":processing:" + dead, id.toString());
        redis.set(String.class).sadd(QUEUE + ":consumers", dead);

        awaitFinal(ALICE, id.toString()).body("status", is("sent"));
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> TestMailbox.read(to).size() == 1);
    }

    @Test
    void withRedisDownSendAnswers503RecordsNothingAndReadinessIsDown() throws Exception {
        int port = URI.create(RealServers.config("quarkus.redis.hosts")).getPort();
        String subject = "While Redis is down " + UUID.randomUUID();
        long before = rows(pool, "SELECT count(*) FROM email_log WHERE subject = $1", subject);
        new RedisServer(port).command("SHUTDOWN NOSAVE");
        try {
            as(ALICE).body(email(uniqueAddress("down-"), subject)).post("/send").then()
                    .statusCode(503)
                    .contentType("application/problem+json")
                    .header("Retry-After", "5");
            given().get("/q/health/ready").then().statusCode(503).body("status", is("DOWN"));
            assertEquals(before, rows(pool, "SELECT count(*) FROM email_log WHERE subject = $1", subject),
                    "no log row for an email that was not queued");
        } finally {
            new RedisServer(port).start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> given().get("/q/health/ready").then().extract().statusCode() == 200);
        String id = sendOk(ALICE, email(uniqueAddress("back-"), "Redis is back"));
        awaitFinal(ALICE, id).body("status", is("sent"));
    }

    @Test
    void withPostgresDownSendAnswers503AndReadinessIsDown() throws Exception {
        java.sql.Connection admin = PostgresServer.takeDatabaseAway();
        try {
            as(ALICE).body(email(uniqueAddress("pgdown-"), "While PostgreSQL is down")).post("/send").then()
                    .statusCode(503)
                    .contentType("application/problem+json");
            given().get("/q/health/ready").then().statusCode(503).body("status", is("DOWN"));
        } finally {
            PostgresServer.restoreDatabase(admin);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> given().get("/q/health/ready").then().extract().statusCode() == 200);
        String id = sendOk(ALICE, email(uniqueAddress("pgback-"), "PostgreSQL is back"));
        awaitFinal(ALICE, id).body("status", is("sent"));
    }

    @Test
    void connectorNamesItsProcessingListAfterTheInstance() {
        // Guards the key layout the recovery above relies on.
        String instance = connector.instance();
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.set(String.class).smembers(QUEUE + ":consumers").contains(instance));
        assertEquals(1, redis.key().exists(QUEUE + ":alive:" + instance) ? 1 : 0);
    }
}
