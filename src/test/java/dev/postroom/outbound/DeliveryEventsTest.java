package dev.postroom.outbound;

import dev.postroom.events.Event;
import dev.postroom.events.EventFeed;
import dev.postroom.events.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.postroom.outbound.OutboundApi.ALICE;
import static dev.postroom.outbound.OutboundApi.email;
import static dev.postroom.outbound.OutboundApi.sendOk;
import static dev.postroom.outbound.OutboundApi.uniqueAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The delivery worker announces each status change on the owner's deliveries topic (docs/events.md). */
@QuarkusTest
class DeliveryEventsTest {

    private static final String ALICE_TOPIC = Topics.deliveries("key:alice");

    @Inject
    EventFeed feed;

    @Test
    void aSentEmailIsAnnouncedQueuedSendingSent() {
        String to = uniqueAddress("live-");
        List<JsonObject> events = eventsOf(to, 3, () -> sendOk(ALICE, email(to, "Live")));

        assertEquals(List.of("queued", "sending", "sent"), events.stream().map(e -> e.getString("status")).toList());
        JsonObject sent = events.getLast();
        assertEquals("email", sent.getString("type"));
        assertEquals(1, sent.getInteger("attempts"));
        assertEquals("Live", sent.getString("subject"));
        assertEquals(List.of(to), sent.getJsonArray("to").getList());
        assertNotNull(sent.getString("createdAt"));
        assertNotNull(sent.getString("sentAt"));
        assertNull(sent.getString("failedAt"));
        assertNull(sent.getValue("error"));
        assertEquals(0, events.getFirst().getInteger("attempts"));
    }

    @Test
    void aRetriedEmailIsAnnouncedAtEveryStep() {
        String to = uniqueAddress("tempfail1-");
        List<JsonObject> events = eventsOf(to, 6, () -> sendOk(ALICE, email(to, "Retry live")));

        assertEquals(List.of("queued", "sending", "retrying", "queued", "sending", "sent"),
                events.stream().map(e -> e.getString("status")).toList());
        assertEquals(451, events.get(2).getJsonObject("error").getInteger("code"));
        assertEquals(2, events.getLast().getInteger("attempts"));
    }

    @Test
    void aRejectedEmailIsAnnouncedFailedWithTheError() {
        String to = uniqueAddress("reject-");
        List<JsonObject> events = eventsOf(to, 3, () -> sendOk(ALICE, email(to, "Nobody home")));

        JsonObject failed = events.getLast();
        assertEquals("failed", failed.getString("status"));
        assertEquals(550, failed.getJsonObject("error").getInteger("code"));
        assertNotNull(failed.getString("failedAt"));
    }

    /** Follows Alice's deliveries, sends, and returns the first {@code count} events of the email sent to {@code to}. */
    private List<JsonObject> eventsOf(String to, int count, Runnable send) {
        String start = feed.lastId(ALICE_TOPIC).await().atMost(Duration.ofSeconds(5));
        AssertSubscriber<Event> page = feed.follow(ALICE_TOPIC, start).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        send.run();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> mine(page, to).size() >= count);
        page.cancel();
        return mine(page, to).subList(0, count);
    }

    private static List<JsonObject> mine(AssertSubscriber<Event> page, String to) {
        return page.getItems().stream().map(Event::data)
                .filter(data -> data.getJsonArray("to").getList().contains(to)).toList();
    }
}
