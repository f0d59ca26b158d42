package dev.postroom.web;

import dev.postroom.events.EventPublisher;
import dev.postroom.events.Topics;
import dev.postroom.testing.QuietMailboxes;
import dev.postroom.testing.SseClient;
import dev.postroom.testing.SseClient.SseEvent;
import dev.postroom.testing.TestUsers;
import dev.postroom.testing.TestUsers.User;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The SSE endpoints over real HTTP and real Redis: order, resuming with Last-Event-ID, and each user's own topics only. */
@QuarkusTest
class EventStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TestHTTPResource("/")
    URI base;

    @Inject
    EventPublisher publisher;

    @Inject
    Pool pool;

    @Test
    void mailboxEventsArriveInOrderWithIdTypeAndJson() {
        User owner = TestUsers.signUp("sse-order");
        UUID mailbox = linkedMailbox(owner);
        try (SseClient stream = open("events/mailboxes/" + mailbox, cookie(owner))) {
            assertEquals(200, stream.status());
            assertTrue(stream.contentType().startsWith("text/event-stream"), stream.contentType());
            stream.comment(WAIT); // the stream has started: what is published from now on is live
            List<String> ids = IntStream.range(0, 50).mapToObj(n -> publish(mailbox, n)).toList();

            List<SseEvent> events = stream.events(50, WAIT);
            assertEquals(ids, events.stream().map(SseEvent::id).toList());
            assertEquals(IntStream.range(0, 50).boxed().toList(), numbers(events));
            assertTrue(events.stream().allMatch(e -> "message".equals(e.name())));
        }
    }

    @Test
    void reconnectingWithLastEventIdLosesNothingAndRepeatsNothing() {
        User owner = TestUsers.signUp("sse-resume");
        UUID mailbox = linkedMailbox(owner);
        String lastSeen;
        try (SseClient first = open("events/mailboxes/" + mailbox, cookie(owner))) {
            first.comment(WAIT);
            IntStream.range(0, 3).forEach(n -> publish(mailbox, n));
            lastSeen = first.events(3, WAIT).getLast().id();
        }
        IntStream.range(3, 6).forEach(n -> publish(mailbox, n)); // while the page is away

        Map<String, String> resume = Map.of("Cookie", TestUsers.SESSION_COOKIE + "=" + owner.sessionCookie(),
                "Last-Event-ID", lastSeen);
        try (SseClient again = open("events/mailboxes/" + mailbox, resume)) {
            assertEquals(List.of(3, 4, 5), numbers(again.events(3, WAIT)));
            publish(mailbox, 6);
            assertEquals(List.of(6), numbers(again.events(1, WAIT)));
            assertEquals(List.of(), again.eventsWithin(Duration.ofMillis(500)), "nothing twice");
        }
        // A client that can't set headers (the page's first connection) names the id in the query.
        try (SseClient byQuery = open("events/mailboxes/" + mailbox + "?lastEventId=" + lastSeen, cookie(owner))) {
            assertEquals(List.of(3, 4, 5, 6), numbers(byQuery.events(4, WAIT)));
        }
    }

    @Test
    void theDataPageReplaysWhatItsSearchMayNotShowYet() {
        User owner = TestUsers.signUp("sse-page-start");
        UUID mailbox = linkedMailbox(owner);
        // The sync engine announces a change as soon as it is written; the index shows it a refresh later. A page
        // loaded in between lists the mail without it, so its live events must start before that change.
        long publishing = System.nanoTime();
        publish(mailbox, 1);
        String html = given().cookie(TestUsers.SESSION_COOKIE, owner.sessionCookie()).get("/mailboxes/" + mailbox)
                .then().statusCode(200).extract().asString();
        // The page replays the last refresh interval + 1 s (2 s here): a machine so slow that publishing and loading
        // took longer can't tell the difference.
        assumeTrue(Duration.ofNanos(System.nanoTime() - publishing).compareTo(Duration.ofMillis(1500)) < 0,
                "publishing and loading the page took too long on this machine to show the replay");
        Matcher start = Pattern.compile("id=\"mailbox\"[^>]*data-last-event-id=\"([^\"]+)\"").matcher(html);
        assertTrue(start.find(), "the data page names where its events start");

        try (SseClient stream = open("events/mailboxes/" + mailbox + "?lastEventId=" + start.group(1), cookie(owner))) {
            assertEquals(List.of(1), numbers(stream.events(1, WAIT)));
        }
    }

    @Test
    void aPageThatMissedMoreThanTheStreamKeepsIsToldToLoadAfresh() {
        User owner = TestUsers.signUp("sse-reset");
        UUID mailbox = linkedMailbox(owner);
        String seen = publish(mailbox, 0);
        // While the page is away, more happens than the stream keeps: replaying would skip the oldest changes.
        Uni.join().all(IntStream.rangeClosed(1, EventPublisher.KEPT_PER_TOPIC + 200).mapToObj(n -> publisher
                .publish(Topics.mailbox(mailbox), new JsonObject().put("type", "message").put("n", n))).toList())
                .andFailFast().await().atMost(WAIT);
        try (SseClient stream = open("events/mailboxes/" + mailbox + "?lastEventId=" + seen, cookie(owner))) {
            SseEvent reset = stream.events(1, WAIT).getFirst();
            assertEquals("reset", reset.name());
            publish(mailbox, -1);
            assertEquals(List.of(-1), numbers(stream.events(1, WAIT)), "then live again");
        }

        // A topic whose stream expired (a day after its last event) looks like one that never had any.
        UUID quiet = linkedMailbox(owner);
        String twoDaysAgo = (System.currentTimeMillis() - Duration.ofDays(2).toMillis()) + "-0";
        try (SseClient stream = open("events/mailboxes/" + quiet + "?lastEventId=" + twoDaysAgo, cookie(owner))) {
            assertEquals("reset", stream.events(1, WAIT).getFirst().name());
        }
        String aMinuteAgo = (System.currentTimeMillis() - Duration.ofMinutes(1).toMillis()) + "-0";
        try (SseClient stream = open("events/mailboxes/" + quiet + "?lastEventId=" + aMinuteAgo, cookie(owner))) {
            stream.comment(WAIT);
            assertEquals(List.of(), stream.eventsWithin(Duration.ofMillis(500)), "nothing was missed");
            publish(quiet, 7);
            assertEquals(List.of(7), numbers(stream.events(1, WAIT)));
        }
    }

    @Test
    void aQuietStreamGetsHeartbeats() {
        User owner = TestUsers.signUp("sse-heartbeat");
        try (SseClient stream = open("events/deliveries", cookie(owner))) {
            stream.comment(WAIT);
            assertEquals("heartbeat", stream.comment(Duration.ofSeconds(5)).comment());
        }
    }

    @Test
    void nobodyFollowsAnotherUsersMailbox() {
        User owner = TestUsers.signUp("sse-owner");
        User other = TestUsers.signUp("sse-other");
        UUID mailbox = linkedMailbox(owner);

        try (SseClient stream = open("events/mailboxes/" + mailbox, cookie(other))) {
            assertEquals(404, stream.status());
        }
        try (SseClient stream = open("events/mailboxes/" + UUID.randomUUID(), cookie(owner))) {
            assertEquals(404, stream.status());
        }
        try (SseClient stream = open("events/mailboxes/" + mailbox, Map.of("Authorization", "Bearer " + other.apiKey()))) {
            assertEquals(404, stream.status());
        }
        try (SseClient stream = open("events/mailboxes/" + mailbox, Map.of("Authorization", "Bearer test-key-alice-0123456789"))) {
            assertEquals(403, stream.status(), "service keys have no mailboxes");
        }
        try (SseClient stream = open("events/mailboxes/" + mailbox, Map.of())) {
            assertEquals(401, stream.status());
        }
        try (SseClient stream = open("events/deliveries", Map.of())) {
            assertEquals(401, stream.status());
        }
    }

    @Test
    void eachUserSeesOnlyTheirOwnDeliveries() {
        User alice = TestUsers.signUp("sse-alice");
        User bob = TestUsers.signUp("sse-bob");
        try (SseClient alicesLog = open("events/deliveries", cookie(alice));
                SseClient bobsLog = open("events/deliveries", Map.of("Authorization", "Bearer " + bob.apiKey()))) {
            alicesLog.comment(WAIT);
            bobsLog.comment(WAIT);
            String alicesEmail = send(alice, "For Alice's eyes");
            String bobsEmail = send(bob, "For Bob's eyes");

            List<SseEvent> bobs = bobsLog.events(3, WAIT);
            List<SseEvent> alices = alicesLog.events(3, WAIT);
            assertTrue(alices.stream().allMatch(e -> "email".equals(e.name()) && alicesEmail.equals(json(e).getString("id"))), alices.toString());
            assertTrue(bobs.stream().allMatch(e -> bobsEmail.equals(json(e).getString("id"))), bobs.toString());
            assertTrue(bobsLog.eventsWithin(Duration.ofSeconds(1)).stream().noneMatch(e -> alicesEmail.equals(json(e).getString("id"))));
        }
    }

    private SseClient open(String path, Map<String, String> headers) {
        return SseClient.open(base.resolve(path), headers);
    }

    private static Map<String, String> cookie(User user) {
        return Map.of("Cookie", TestUsers.SESSION_COOKIE + "=" + user.sessionCookie());
    }

    private String publish(UUID mailbox, int n) {
        return publisher.publish(Topics.mailbox(mailbox), new JsonObject().put("type", "message").put("n", n))
                .await().atMost(WAIT);
    }

    private static String send(User user, String subject) {
        return given().header("Authorization", "Bearer " + user.apiKey()).contentType("application/json")
                .body(Map.of("to", TestUsers.uniqueEmail("sse-to"), "subject", subject, "text", "Hello."))
                .post("/send").then().statusCode(202).extract().path("id");
    }

    private static JsonObject json(SseEvent event) {
        return new JsonObject(event.data());
    }

    private static List<Integer> numbers(List<SseEvent> events) {
        return events.stream().map(e -> json(e).getInteger("n")).toList();
    }

    private UUID linkedMailbox(User owner) {
        return QuietMailboxes.insert(pool, owner.id(), owner.email());
    }
}
