package dev.postroom.sync;

import dev.postroom.account.LinkApi;
import dev.postroom.account.LinkApi.User;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.SearchIndices;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.SimMessage;
import dev.postroom.testing.SyncEngineRunning;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror through the API: messages with full-text search, folders, sync state, sync now, unlink; owner only. */
@QuarkusTest
class MailboxApiTest extends SyncEngineRunning {

    static final Duration WAIT = Duration.ofMinutes(2);

    @Inject
    OutlookSimulator simulator;

    @Inject
    MirrorQueries queries;

    @Inject
    SearchIndices indices;

    @Inject
    Pool pool;

    @Test
    void aLinkedMailboxIsListedSearchedAndPagedNewestFirst() {
        String address = LinkApi.unique("api");
        simulator.createMailbox(address, "Api", false);
        simulator.generateMessages(address, 300, 42);
        SimMessage zebra = simulator.newMail(address, "Quarterly zebra report", "Zed Zebra <zed@example.org>");
        User user = LinkApi.signUp();
        UUID mailbox = LinkApi.link(user, address);
        quiet(mailbox);

        JsonPath sync = LinkApi.as(user).get("/api/mailboxes/{id}/sync", mailbox).then().statusCode(200).extract().jsonPath();
        assertEquals("incremental", sync.getString("phase"));
        assertEquals(sync.getInt("foldersTotal"), sync.getInt("foldersDone"));
        assertEquals(301, sync.getLong("messagesIndexed"));

        String inboxId = simulator.folderId(address, "inbox");
        JsonPath folders = LinkApi.as(user).get("/api/mailboxes/{id}/folders", mailbox).then().statusCode(200).extract().jsonPath();
        Map<String, Object> inbox = folders.getMap("data.find { it.wellKnownName == 'inbox' }");
        assertEquals(inboxId, inbox.get("id"));
        assertEquals(simulator.messagesIn(address, "inbox").size(), inbox.get("totalCount"));

        LinkApi.as(user).queryParam("q", "zebra").get("/api/mailboxes/{id}/messages", mailbox).then().statusCode(200)
                .body("total", equalTo(1))
                .body("data[0].id", equalTo(zebra.id()))
                .body("data[0].subject", equalTo("Quarterly zebra report"))
                .body("data[0].fromName", equalTo("Zed Zebra"))
                .body("data[0].fromAddress", equalTo("zed@example.org"))
                .body("data[0].folderName", equalTo("Inbox"));

        List<SimMessage> inboxNewestFirst = simulator.messagesIn(address, "inbox").stream()
                .sorted(java.util.Comparator.comparing(SimMessage::receivedDateTime).reversed()).toList();
        JsonPath second = LinkApi.as(user).queryParam("folder", inboxId).queryParam("limit", 5).queryParam("page", 2)
                .get("/api/mailboxes/{id}/messages", mailbox).then().statusCode(200).extract().jsonPath();
        assertEquals(inboxNewestFirst.size(), second.getInt("total"));
        assertEquals(inboxNewestFirst.subList(5, 10).stream().map(SimMessage::receivedDateTime)
                        .map(t -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).toList(),
                second.getList("data.receivedAt", String.class).stream().map(t -> java.time.Instant.parse(t).toString()).toList());

        List<Boolean> unread = LinkApi.as(user).queryParam("unread", true).queryParam("limit", 100)
                .get("/api/mailboxes/{id}/messages", mailbox).then().statusCode(200).extract().jsonPath().getList("data.isRead");
        assertFalse(unread.isEmpty());
        assertTrue(unread.stream().noneMatch(Boolean::booleanValue));
    }

    @Test
    void anotherUsersMailboxIsNotFoundWhateverTheCall() {
        String address = LinkApi.unique("private");
        simulator.createMailbox(address, "Private", false);
        UUID mailbox = LinkApi.link(LinkApi.signUp(), address);
        User stranger = LinkApi.signUp();

        for (String path : List.of("/messages", "/folders", "/sync")) {
            LinkApi.as(stranger).get("/api/mailboxes/{id}" + path, mailbox).then().statusCode(404)
                    .contentType("application/problem+json");
        }
        LinkApi.as(stranger).post("/api/mailboxes/{id}/sync", mailbox).then().statusCode(404);
        LinkApi.as(stranger).delete("/api/mailboxes/{id}", mailbox).then().statusCode(404);
        assertEquals(1, count("SELECT count(*) FROM linked_mailbox WHERE id = $1", mailbox), "still linked");
    }

    @Test
    void pagingOutOfRangeIsABadRequestNamingTheField() {
        User user = LinkApi.signUp();
        String address = LinkApi.unique("paging");
        simulator.createMailbox(address, "Paging", false);
        UUID mailbox = LinkApi.link(user, address);

        LinkApi.as(user).queryParam("limit", 500).get("/api/mailboxes/{id}/messages", mailbox).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("limit"));
        LinkApi.as(user).queryParam("page", 0).get("/api/mailboxes/{id}/messages", mailbox).then().statusCode(400)
                .body("errors[0].field", equalTo("page"));
        LinkApi.as(user).queryParam("page", 101).queryParam("limit", 100).get("/api/mailboxes/{id}/messages", mailbox)
                .then().statusCode(400).body("errors[0].field", equalTo("page"));
    }

    @Test
    void syncNowBringsAChangeInAndUnlinkingRemovesEverything() {
        String address = LinkApi.unique("unlink");
        simulator.createMailbox(address, "Unlink", false);
        SimMessage message = simulator.newMail(address, "Read me", "ann@example.org");
        User user = LinkApi.signUp();
        UUID mailbox = LinkApi.link(user, address);
        quiet(mailbox);

        simulator.markRead(address, message.id(), true);
        LinkApi.as(user).post("/api/mailboxes/{id}/sync", mailbox).then().statusCode(202)
                .body("status", equalTo("requested"));
        Awaitility.await().atMost(WAIT).until(() -> Boolean.TRUE.equals(LinkApi.as(user)
                .get("/api/mailboxes/{id}/messages", mailbox).then().extract().path("data[0].isRead")));

        LinkApi.as(user).delete("/api/mailboxes/{id}", mailbox).then().statusCode(204);

        LinkApi.as(user).get("/api/mailboxes/{id}", mailbox).then().statusCode(404);
        assertEquals(0, count("SELECT count(*) FROM mailbox_token WHERE mailbox_id = $1", mailbox), "tokens gone");
        assertEquals(0, count("SELECT count(*) FROM sync_folder WHERE mailbox_id = $1", mailbox), "sync state gone");
        Awaitility.await().atMost(WAIT).until(() -> !engine.syncsHere(mailbox));
        indices.refresh().await().atMost(WAIT);
        assertTrue(queries.snapshot(mailbox).await().atMost(WAIT).isEmpty(), "messages gone from the mirror");
        assertTrue(queries.folders(mailbox).await().atMost(WAIT).isEmpty(), "folders gone from the mirror");
    }

    private void quiet(UUID mailbox) {
        engine.awaitQuiet(mailbox, WAIT).await().atMost(WAIT);
        indices.refresh().await().atMost(WAIT);
    }

    private long count(String sql, UUID id) {
        return pool.preparedQuery(sql).execute(Tuple.of(id)).await().atMost(WAIT).iterator().next().getLong(0);
    }
}
