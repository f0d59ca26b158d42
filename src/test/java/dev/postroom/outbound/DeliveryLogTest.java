package dev.postroom.outbound;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.postroom.outbound.OutboundApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /logs/email: today's summary in a time zone, and pages that stay consistent while new emails arrive. */
@QuarkusTest
class DeliveryLogTest {

    private static final String ZONE_KEY = "test-key-zone-0123456789";
    private static final String PAGER_KEY = "test-key-pager-0123456789";
    private static final String DEEP_KEY = "test-key-deep-0123456789";

    @Inject
    Pool pool;

    @Inject
    DeliveryCounts counts;

    /** A generic plan made while the log was small would keep scanning it whole once it has grown (application.properties). */
    @Test
    void everyConnectionPlansStatementsForTheirParameters() {
        String mode = pool.query("SELECT current_setting('plan_cache_mode') AS mode").execute().await().indefinitely()
                .iterator().next().getString("mode");
        assertEquals("force_custom_plan", mode);
    }

    @Test
    void todaysSummaryFollowsTheTimeZonesDayBoundary() {
        String owner = "key:zone";
        pool.preparedQuery("DELETE FROM email_log WHERE owner = $1").execute(Tuple.of(owner)).await().indefinitely();
        ZoneId configured = ZoneId.of("Pacific/Kiritimati"); // %test.postroom.outbound.summary-time-zone
        Instant midnight = LocalDate.now(configured).atStartOfDay(configured).toInstant();
        insert(owner, midnight.minus(Duration.ofMinutes(1)), "sent");   // yesterday over there
        insert(owner, midnight.minus(Duration.ofMinutes(2)), "failed"); // yesterday over there
        insert(owner, midnight.plus(Duration.ofSeconds(1)), "sent");
        insert(owner, midnight.plus(Duration.ofSeconds(2)), "failed");
        insert(owner, midnight.plus(Duration.ofSeconds(3)), "retrying");

        JsonPath body = as(ZONE_KEY).get("/logs/email").then().statusCode(200).extract().jsonPath();
        assertEquals(3, body.getInt("today.total"));
        assertEquals(1, body.getInt("today.sent"));
        assertEquals(1, body.getInt("today.failed"));
        assertEquals(1, body.getInt("today.pending"));
        assertEquals(5, body.getInt("total"));

        // Asked in another zone, the same rows fall on other days: count what falls after that zone's midnight.
        ZoneId utc = ZoneOffset.UTC;
        Instant utcMidnight = LocalDate.now(utc).atStartOfDay(utc).toInstant();
        long expectedUtcToday = List.of(midnight.minus(Duration.ofMinutes(1)), midnight.minus(Duration.ofMinutes(2)),
                        midnight.plusSeconds(1), midnight.plusSeconds(2), midnight.plusSeconds(3)).stream()
                .filter(at -> !at.isBefore(utcMidnight)).count();
        assertEquals(expectedUtcToday, as(ZONE_KEY).get("/logs/email?tz=UTC").then().statusCode(200).extract().jsonPath()
                .getLong("today.total"));
    }

    @Test
    void cursorPagesNeitherRepeatNorSkipWhileNewEmailsArrive() {
        String owner = "key:pager";
        pool.preparedQuery("DELETE FROM email_log WHERE owner = $1").execute(Tuple.of(owner)).await().indefinitely();
        Instant base = Instant.now().minus(Duration.ofHours(1));
        List<String> original = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            original.add(insert(owner, base.plusMillis(i * 10L), "sent").toString());
        }

        JsonPath first = as(PAGER_KEY).get("/logs/email?limit=25").then().statusCode(200).extract().jsonPath();
        assertEquals(60, first.getInt("total"));
        assertEquals(3, first.getInt("totalPages"));
        List<String> seen = new ArrayList<>(first.getList("data.id"));
        assertEquals(original.get(59), seen.getFirst(), "newest first");

        // Ten new emails arrive between page 1 and page 2.
        for (int i = 0; i < 10; i++) {
            insert(owner, Instant.now(), "queued");
        }
        String cursor = first.getString("nextCursor");
        while (cursor != null) {
            JsonPath next = as(PAGER_KEY).get("/logs/email?limit=25&cursor=" + cursor).then().statusCode(200).extract().jsonPath();
            seen.addAll(next.getList("data.id"));
            cursor = next.getString("nextCursor");
            assertEquals(70, next.getInt("total"), "the total includes the new emails");
        }

        assertEquals(60, seen.size(), "every original email exactly once, and no empty page after the last: " + seen);
        Set<String> unique = new HashSet<>(seen);
        assertEquals(60, unique.size());
        assertEquals(new HashSet<>(original), unique);

        // Page numbers and filters still work as expected on top.
        JsonPath page3 = as(PAGER_KEY).get("/logs/email?limit=25&page=3").then().statusCode(200).extract().jsonPath();
        assertEquals(20, page3.getList("data").size());
        assertNull(page3.get("nextCursor"), "nothing follows the last page");
        assertNull(page3.get("links.next"));
        assertTrue(page3.getString("links.prev").contains("page=2"));
        assertEquals(10, as(PAGER_KEY).get("/logs/email?status=queued").then().statusCode(200).extract().jsonPath()
                .getInt("total"));
    }

    @Test
    void deepPagesTotalsAndSummariesMatchTheRowsBeforeAndAfterFolding() throws InterruptedException {
        String owner = "key:deep";
        pool.preparedQuery("DELETE FROM email_log WHERE owner = $1").execute(Tuple.of(owner)).await().indefinitely();
        // 400 emails over the last 5 hours (about 20 quarter hours), written by one statement, then the log lives on:
        // some are delivered or fail (updates), a few disappear (deletes), more arrive one by one.
        pool.preparedQuery("""
                        INSERT INTO email_log (id, owner, to_addresses, subject, status, created_at)
                        SELECT gen_random_uuid(), $1, '{someone@example.org}', 'seeded ' || n, 'queued',
                               now() - make_interval(secs => n * 45)
                        FROM generate_series(1, 400) AS n""")
                .execute(Tuple.of(owner)).await().indefinitely();
        sql("UPDATE email_log SET status = 'sent', sent_at = now() WHERE owner = $1 AND subject LIKE '%3'", owner);
        sql("UPDATE email_log SET status = 'failed', failed_at = now() WHERE owner = $1 AND subject LIKE '%7'", owner);
        sql("UPDATE email_log SET attempts = attempts + 1 WHERE owner = $1 AND subject LIKE '%1'", owner);
        sql("DELETE FROM email_log WHERE owner = $1 AND subject LIKE '%9'", owner);
        for (int i = 0; i < 5; i++) {
            insert(owner, Instant.now(), "sent");
        }

        assertListingMatchesTheRows(owner);
        // The scheduled fold may hold the lock at that moment (fold() then answers 0): fold until nothing is left.
        long unfolded = -1;
        for (int attempt = 0; attempt < 100 && unfolded != 0; attempt++) {
            if (attempt > 0) {
                Thread.sleep(100);
            }
            counts.fold().await().atMost(Duration.ofSeconds(10));
            unfolded = pool.preparedQuery("SELECT count(*) AS n FROM email_log_count WHERE owner = $1 AND NOT folded")
                    .execute(Tuple.of(owner)).await().indefinitely().iterator().next().getLong("n");
        }
        assertEquals(0L, unfolded, "folded");
        assertListingMatchesTheRows(owner);
    }

    /** Every page number, the total and today's summary (in two zones) against the rows themselves. */
    private void assertListingMatchesTheRows(String owner) {
        List<String> ordered = pool.preparedQuery("SELECT id FROM email_log WHERE owner = $1 ORDER BY created_at DESC, id DESC")
                .execute(Tuple.of(owner)).await().indefinitely().stream().map(row -> row.getUUID("id").toString()).toList();
        int limit = 7;
        for (int page = 1; page <= ordered.size() / limit + 2; page++) {
            JsonPath body = as(DEEP_KEY).get("/logs/email?limit=" + limit + "&page=" + page).then().statusCode(200)
                    .extract().jsonPath();
            int from = Math.min(ordered.size(), (page - 1) * limit);
            assertEquals(ordered.subList(from, Math.min(ordered.size(), from + limit)), body.getList("data.id"), "page " + page);
            assertEquals(ordered.size(), body.getInt("total"));
        }
        for (String zone : List.of("UTC", "+05:17", "Asia/Kathmandu")) {
            ZoneId id = ZoneId.of(zone);
            Instant midnight = LocalDate.now(id).atStartOfDay(id).toInstant();
            var expected = pool.preparedQuery("""
                            SELECT count(*) AS total, count(*) FILTER (WHERE status = 'sent') AS sent,
                                   count(*) FILTER (WHERE status = 'failed') AS failed
                            FROM email_log WHERE owner = $1 AND created_at >= $2""")
                    .execute(Tuple.of(owner, OffsetDateTime.ofInstant(midnight, ZoneOffset.UTC)))
                    .await().indefinitely().iterator().next();
            JsonPath today = as(DEEP_KEY).queryParam("tz", zone).get("/logs/email").then().statusCode(200).extract().jsonPath();
            assertEquals(expected.getLong("total"), today.getLong("today.total"), zone);
            assertEquals(expected.getLong("sent"), today.getLong("today.sent"), zone);
            assertEquals(expected.getLong("failed"), today.getLong("today.failed"), zone);
            assertEquals(expected.getLong("total") - expected.getLong("sent") - expected.getLong("failed"),
                    today.getLong("today.pending"), zone);
        }
    }

    private void sql(String statement, String owner) {
        pool.preparedQuery(statement).execute(Tuple.of(owner)).await().indefinitely();
    }

    private UUID insert(String owner, Instant createdAt, String status) {
        UUID id = UUID.randomUUID();
        pool.preparedQuery("""
                        INSERT INTO email_log (id, owner, to_addresses, subject, text_body, status, created_at,
                            sent_at, failed_at)
                        VALUES ($1, $2, '{someone@example.org}', 'seeded', 'body', $3::text, $4::timestamptz,
                            CASE WHEN $3 = 'sent' THEN $4 END, CASE WHEN $3 = 'failed' THEN $4 END)""")
                .execute(Tuple.of(id, owner, status, OffsetDateTime.ofInstant(createdAt, ZoneOffset.UTC)))
                .await().indefinitely();
        return id;
    }
}
