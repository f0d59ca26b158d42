package dev.postroom.sync;

import dev.postroom.account.LinkApi;
import dev.postroom.events.Topics;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.SimMessage;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import dev.postroom.testing.SyncEngineRunning;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every change applied to the mirror reaches the mailbox's event stream, as docs/events.md describes. */
@QuarkusTest
class SyncEventsTest extends SyncEngineRunning {

    static final Duration WAIT = Duration.ofMinutes(1);

    @Inject
    OutlookSimulator simulator;

    @Inject
    ReactiveRedisDataSource redis;

    @Test
    void readFlagNewMailMoveAndDeleteEachMakeAnEvent() {
        String address = LinkApi.unique("events");
        simulator.createMailbox(address, "Events", false);
        simulator.generateMessages(address, 30, 3);
        UUID mailbox = LinkApi.link(LinkApi.signUp(), address);
        engine.awaitQuiet(mailbox, WAIT).await().atMost(WAIT);
        await(mailbox, 0, e -> "indexed".equals(e.getString("type")));   // the first copy reports its pages
        await(mailbox, 0, e -> "sync".equals(e.getString("type")) && "incremental".equals(e.getString("phase")));
        int seen = events(mailbox).size();

        List<SimMessage> inbox = simulator.messagesIn(address, "inbox");
        SimMessage read = inbox.get(0);
        SimMessage flagged = inbox.get(1);
        SimMessage moved = inbox.get(2);
        SimMessage deleted = inbox.get(3);
        simulator.markRead(address, read.id(), !read.isRead());
        simulator.flag(address, flagged.id(), SimMessage.FLAGGED);
        SimMessage arrived = simulator.newMail(address, "Fresh news", "Nora News <nora@example.org>");
        String archive = simulator.folderId(address, "archive");
        simulator.move(address, moved.id(), archive);
        simulator.delete(address, deleted.id());

        JsonObject readEvent = await(mailbox, seen, e -> isMessage(e, "updated", read.id()));
        assertEquals(new JsonArray().add("isRead"), readEvent.getJsonArray("changed"));
        assertEquals(!read.isRead(), readEvent.getJsonObject("message").getBoolean("isRead"));
        JsonObject flagEvent = await(mailbox, seen, e -> isMessage(e, "updated", flagged.id()));
        assertEquals(new JsonArray().add("flagStatus"), flagEvent.getJsonArray("changed"));
        JsonObject created = await(mailbox, seen, e -> isMessage(e, "created", arrived.id()));
        assertEquals("Nora News", created.getJsonObject("message").getString("fromName"));
        assertEquals("Fresh news", created.getJsonObject("message").getString("subject"));
        JsonObject gone = await(mailbox, seen, e -> isMessage(e, "deleted", deleted.id()));
        assertEquals(simulator.folderId(address, "inbox"), gone.getString("folderId"));
        // A move is one "moved" event when the destination is read first, else "deleted" from the source and then
        // "created" in the destination: either way the last event puts the message in the archive.
        JsonObject last = await(mailbox, seen, e -> (isMessage(e, "moved", moved.id()) || isMessage(e, "created", moved.id()))
                && archive.equals(e.getString("folderId")));
        if ("moved".equals(last.getString("change"))) {
            assertEquals(simulator.folderId(address, "inbox"), last.getString("fromFolderId"));
        }
    }

    private static boolean isMessage(JsonObject event, String change, String messageId) {
        return "message".equals(event.getString("type")) && change.equals(event.getString("change"))
                && messageId.equals(event.getString("messageId"));
    }

    private JsonObject await(UUID mailbox, int after, Predicate<JsonObject> wanted) {
        List<JsonObject> found = new ArrayList<>();
        Awaitility.await().atMost(WAIT).until(() -> {
            List<JsonObject> all = events(mailbox);
            all.subList(Math.min(after, all.size()), all.size()).stream().filter(wanted).findFirst().ifPresent(found::add);
            return !found.isEmpty();
        });
        return found.get(0);
    }

    /** The mailbox's stream, oldest first (each entry: id, then the field list ["e", json]). */
    private List<JsonObject> events(UUID mailbox) {
        Response entries = redis.execute("XRANGE", Topics.streamKey(Topics.mailbox(mailbox)), "-", "+")
                .await().atMost(WAIT);
        List<JsonObject> events = new ArrayList<>();
        for (Response entry : entries) {
            events.add(new JsonObject(entry.get(1).get(1).toString()));
        }
        return events;
    }
}
