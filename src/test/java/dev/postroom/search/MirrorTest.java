package dev.postroom.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MailboxChange.FolderRemoved;
import dev.postroom.mail.MailboxChange.FolderUpserted;
import dev.postroom.mail.MailboxChange.RemovedFromFolder;
import dev.postroom.mail.MailboxChange.Upserted;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror against a real OpenSearch. Every test uses accounts of its own, so no cleanup is needed. */
@QuarkusTest
class MirrorTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @Inject
    MirrorWriter writer;

    @Inject
    MirrorQueries queries;

    @Inject
    SearchIndices indices;

    @Inject
    RestClient client;

    @Inject
    ObjectMapper json;

    private UUID account;
    /** Each write is a newer delta round, as the sync engine numbers them. */
    private long round;

    @BeforeEach
    void newAccount() {
        account = UUID.randomUUID();
        indices.ready().await().atMost(WAIT);
    }

    @Test
    void templatesAndAliasesExistWithStrictRoutedMappings() throws IOException {
        for (String alias : List.of("postroom-messages", "postroom-mailboxes")) {
            JsonNode aliases = get("/_alias/" + alias);
            assertTrue(aliases.has(alias + "-v1"), aliases.toString());
            JsonNode template = get("/_index_template/" + alias).path("index_templates").get(0);
            assertEquals(alias, template.path("name").asText());
            JsonNode mappings = get("/" + alias + "/_mapping").path(alias + "-v1").path("mappings");
            assertEquals("strict", mappings.path("dynamic").asText(), mappings.toString());
            assertTrue(mappings.path("_routing").path("required").asBoolean(), mappings.toString());
        }
        JsonNode messages = get("/postroom-messages/_mapping").path("postroom-messages-v1").path("mappings").path("properties");
        assertEquals("text", messages.path("subject").path("type").asText());
        assertEquals("keyword", messages.path("subject").path("fields").path("keyword").path("type").asText());
        assertEquals("keyword", messages.path("to").path("type").asText());
        assertEquals("date", messages.path("receivedAt").path("type").asText());
        assertEquals("boolean", messages.path("isRead").path("type").asText());
    }

    @Test
    void upsertedMessagesAreFoundByTextFolderAndUnread() {
        apply(List.of(
                new Upserted(message("m1", "inbox", "Quarterly report is ready", false, NOW.minusSeconds(30))),
                new Upserted(message("m2", "inbox", "Lunch on Friday?", true, NOW.minusSeconds(20))),
                new Upserted(message("m3", "archive", "Report: build failed", false, NOW.minusSeconds(10)))));

        MessagePage all = queries.searchMessages(account, null, null, false, 0, 10).await().atMost(WAIT);
        assertEquals(3, all.total());
        assertEquals(List.of("m3", "m2", "m1"), ids(all), "newest first");
        assertEquals(message("m1", "inbox", "Quarterly report is ready", false, NOW.minusSeconds(30)),
                all.messages().get(2), "every field survives the round trip");

        assertEquals(List.of("m3", "m1"), ids(queries.searchMessages(account, null, "report", false, 0, 10).await().atMost(WAIT)));
        assertEquals(List.of("m1"), ids(queries.searchMessages(account, "inbox", "report", false, 0, 10).await().atMost(WAIT)));
        assertEquals(List.of("m3", "m1"), ids(queries.searchMessages(account, null, null, true, 0, 10).await().atMost(WAIT)));
        assertEquals(List.of("m2"), ids(queries.searchMessages(account, null, "Friday jane", false, 0, 10).await().atMost(WAIT)),
                "all words, across subject and sender");
        assertEquals(List.of("m2"), ids(queries.searchMessages(account, null, null, false, 1, 1).await().atMost(WAIT)), "paging");
    }

    @Test
    void documentsAreRoutedByAccountAndNeverSeenByOthers() throws IOException {
        UUID other = UUID.randomUUID();
        apply(List.of(new Upserted(message("m1", "inbox", "Hello", false, NOW))));

        Request routed = new Request("GET", "/postroom-messages/_doc/" + account + ":m1");
        routed.addParameter("routing", account.toString());
        assertTrue(read(client.performRequest(routed).getEntity()).path("found").asBoolean());
        assertEquals(0, queries.searchMessages(other, null, null, false, 0, 10).await().atMost(WAIT).total());

        Request unrouted = new Request("POST", "/postroom-messages/_doc/x");
        unrouted.setJsonEntity("{\"accountId\":\"" + account + "\",\"messageId\":\"x\",\"folderId\":\"inbox\"}");
        var refused = assertThrows(org.elasticsearch.client.ResponseException.class, () -> client.performRequest(unrouted));
        assertTrue(refused.getMessage().contains("routing"), refused.getMessage());
    }

    @Test
    void moveConvergesWhenTheDestinationComesFirst() {
        apply(List.of(new Upserted(message("m1", "inbox", "Moving", false, NOW))));
        apply(List.of(new Upserted(message("m1", "archive", "Moving", false, NOW))));
        BulkResult removal = apply(List.of(new RemovedFromFolder(account, "m1", "inbox")));

        assertEquals(1, removal.unchanged(), "the removal from the source leaves the moved message alone");
        assertOnlyIn("archive", "m1");
    }

    @Test
    void moveConvergesWhenTheSourceComesFirst() {
        apply(List.of(new Upserted(message("m1", "inbox", "Moving", false, NOW))));
        assertEquals(1, apply(List.of(new RemovedFromFolder(account, "m1", "inbox"))).deleted());
        apply(List.of(new Upserted(message("m1", "archive", "Moving", false, NOW))));

        assertOnlyIn("archive", "m1");
    }

    @Test
    void removingAMessageThatIsGoneIsNotAnError() {
        BulkResult result = apply(List.of(new RemovedFromFolder(account, "never-seen", "inbox"), new FolderRemoved(account, "nope")));
        assertEquals(2, result.missing());
    }

    @Test
    void replayingABatchChangesNothing() {
        List<MailboxChange> batch = List.of(
                new FolderUpserted(folder("inbox", "Inbox", "inbox")),
                new Upserted(message("m1", "inbox", "One", false, NOW)),
                new Upserted(message("m2", "inbox", "Two", false, NOW.plusSeconds(1))),
                new Upserted(message("m2", "archive", "Two", true, NOW.plusSeconds(1))),
                new RemovedFromFolder(account, "m2", "inbox"),
                new RemovedFromFolder(account, "m1", "inbox"));
        apply(batch);
        List<MessageDoc> first = queries.snapshot(account).await().atMost(WAIT);
        List<FolderDoc> folders = queries.folders(account).await().atMost(WAIT);

        apply(batch);

        assertEquals(first, queries.snapshot(account).await().atMost(WAIT));
        assertEquals(folders, queries.folders(account).await().atMost(WAIT));
        assertEquals(List.of("m2"), first.stream().map(MessageDoc::messageId).toList());
        assertEquals("archive", first.get(0).folderId());
    }

    @Test
    void aPageOfAnOlderRoundCannotOverwriteWhatANewerRoundWrote() {
        // The inbox's round 7 saw the message arrive from "big", whose round 4 (started earlier) is still paging.
        BulkResult newer = writer.apply(account, 7, List.of(new Upserted(message("m1", "inbox", "Moved", true, NOW))),
                Refresh.WAIT_FOR).await().atMost(WAIT);
        BulkResult older = writer.apply(account, 4, List.of(new Upserted(message("m1", "big", "Moved", false, NOW))),
                Refresh.WAIT_FOR).await().atMost(WAIT);

        assertEquals(List.of(BulkResult.Outcome.WRITTEN), newer.outcomes());
        assertEquals(List.of(BulkResult.Outcome.UNCHANGED), older.outcomes());
        // "big"'s next round reports the message gone from it: that must not delete the copy in the inbox.
        BulkResult removal = writer.apply(account, 8, List.of(new RemovedFromFolder(account, "m1", "big")),
                Refresh.WAIT_FOR).await().atMost(WAIT);
        assertEquals(List.of(BulkResult.Outcome.UNCHANGED), removal.outcomes());
        MessageDoc kept = queries.snapshot(account).await().atMost(WAIT).get(0);
        assertEquals("inbox", kept.folderId());
        assertTrue(kept.isRead());
    }

    @Test
    void aFolderReadAgainFromScratchLosesWhatItsNewRoundDidNotSee() {
        writer.apply(account, 1, List.of(new Upserted(message("m1", "inbox", "Gone meanwhile", false, NOW)),
                new Upserted(message("m2", "inbox", "Still here", false, NOW)),
                new Upserted(message("m3", "archive", "Other folder", false, NOW))), Refresh.WAIT_FOR).await().atMost(WAIT);
        writer.apply(account, 2, List.of(new Upserted(message("m2", "inbox", "Still here", true, NOW))), Refresh.NONE)
                .await().atMost(WAIT);

        assertEquals(1L, writer.removeNotSeen(account, "inbox", 2, Refresh.WAIT_FOR).await().atMost(WAIT));

        assertEquals(List.of("m2", "m3"),
                queries.snapshot(account).await().atMost(WAIT).stream().map(MessageDoc::messageId).toList());
    }

    @Test
    void renamingAFolderRenamesItsMessagesAndTheNextRoundStillWrites() {
        writer.apply(account, 3, List.of(new Upserted(message("m1", "work", "Hi", false, NOW))), Refresh.WAIT_FOR)
                .await().atMost(WAIT);

        assertEquals(1L, writer.renameFolder(account, "work", "Projects", Refresh.WAIT_FOR).await().atMost(WAIT));
        assertEquals("Projects", queries.snapshot(account).await().atMost(WAIT).get(0).folderName());

        // The rename bumped the document's version in place: the next round's change must still get through.
        BulkResult next = writer.apply(account, 4, List.of(new Upserted(message("m1", "work", "Hi", true, NOW))),
                Refresh.WAIT_FOR).await().atMost(WAIT);
        assertEquals(List.of(BulkResult.Outcome.WRITTEN), next.outcomes());
        assertTrue(queries.snapshot(account).await().atMost(WAIT).get(0).isRead());
    }

    @Test
    void currentDocumentsAreReadByIdInRealTime() {
        writer.apply(account, 1, List.of(new Upserted(message("m1", "inbox", "Just written", false, NOW))), Refresh.NONE)
                .await().atMost(WAIT);

        var found = queries.messages(account, List.of("m1", "never")).await().atMost(WAIT);

        assertEquals(java.util.Set.of("m1"), found.keySet());
        assertEquals("Just written", found.get("m1").subject());
        assertTrue(queries.messages(UUID.randomUUID(), List.of("m1")).await().atMost(WAIT).isEmpty(), "other accounts see nothing");
    }

    @Test
    void removingAFolderRemovesItsMessages() {
        apply(List.of(
                new FolderUpserted(folder("inbox", "Inbox", "inbox")),
                new FolderUpserted(folder("old", "Old stuff", null)),
                new Upserted(message("m1", "old", "Old one", false, NOW)),
                new Upserted(message("m2", "inbox", "Keep me", false, NOW))));
        // Not yet searchable when the folder goes: the removal must still catch it.
        writer.apply(account, ++round, List.of(new Upserted(message("m3", "old", "Just arrived", false, NOW)))).await().atMost(WAIT);

        BulkResult result = apply(List.of(new FolderRemoved(account, "old")));

        assertEquals(2, result.folderMessagesDeleted());
        assertEquals(List.of("m2"), queries.snapshot(account).await().atMost(WAIT).stream().map(MessageDoc::messageId).toList());
        assertEquals(List.of("inbox"), queries.folders(account).await().atMost(WAIT).stream().map(FolderDoc::folderId).toList());
    }

    @Test
    void aBadDocumentFailsTheBulkNamingIt() {
        MessageDoc good = message("good", "inbox", "Fine", false, NOW);
        MessageDoc bad = withInternetMessageId(message("bad", "inbox", "Too long", false, NOW), "x".repeat(40_000));

        var failure = assertThrows(EngineException.class,
                () -> writer.apply(account, ++round, List.of(new Upserted(good), new Upserted(bad)), Refresh.WAIT_FOR).await().atMost(WAIT));

        assertTrue(failure.getMessage().contains(account + ":bad"), failure.getMessage());
        assertTrue(failure.getMessage().contains("1 of 2 items failed"), failure.getMessage());
    }

    @Test
    void foldersAndSyncStateAreListed() {
        apply(List.of(new FolderUpserted(folder("f2", "Work", null)), new FolderUpserted(folder("f1", "Inbox", "inbox"))));
        SyncStateDoc state = new SyncStateDoc(account, "jane@example.org", "initial", 1, 2, 10, 20, NOW, null);
        writer.saveState(state, Refresh.WAIT_FOR).await().atMost(WAIT);

        assertEquals(List.of("Inbox", "Work"), queries.folders(account).await().atMost(WAIT).stream().map(FolderDoc::name).toList());
        assertEquals(state, queries.syncState(account).await().atMost(WAIT).orElseThrow());
        assertTrue(queries.syncState(UUID.randomUUID()).await().atMost(WAIT).isEmpty());
    }

    @Test
    void deletingAnAccountLeavesNothingOfItAndEverythingOfOthers() {
        UUID other = UUID.randomUUID();
        apply(List.of(new FolderUpserted(folder("inbox", "Inbox", "inbox")), new Upserted(message("m1", "inbox", "Mine", false, NOW))));
        writer.saveState(new SyncStateDoc(account, "jane@example.org", "incremental", 1, 1, 1, 1, NOW, null), Refresh.WAIT_FOR)
                .await().atMost(WAIT);
        writer.apply(other, ++round, List.of(new FolderUpserted(new FolderDoc(other, "inbox", "Inbox", null, "inbox", 1, 0)),
                new Upserted(withAccount(message("m1", "inbox", "Theirs", false, NOW), other))), Refresh.WAIT_FOR).await().atMost(WAIT);

        assertEquals(3, queries.deleteAccount(account, Refresh.WAIT_FOR).await().atMost(WAIT), "folder, message and state");

        assertTrue(queries.snapshot(account).await().atMost(WAIT).isEmpty());
        assertTrue(queries.folders(account).await().atMost(WAIT).isEmpty());
        assertTrue(queries.syncState(account).await().atMost(WAIT).isEmpty());
        assertEquals(1, queries.snapshot(other).await().atMost(WAIT).size());
        assertEquals(1, queries.folders(other).await().atMost(WAIT).size());
    }

    @Test
    void snapshotPagesThroughLargeAccounts() {
        List<MailboxChange> many = new java.util.ArrayList<>();
        for (int i = 0; i < 2_345; i++) {
            many.add(new Upserted(message("m" + i, "inbox", "Message " + i, false, NOW.plusSeconds(i))));
        }
        apply(many);
        assertEquals(2_345, queries.snapshot(account).await().atMost(WAIT).size());
    }

    private BulkResult apply(List<MailboxChange> changes) {
        return writer.apply(account, ++round, changes, Refresh.WAIT_FOR).await().atMost(WAIT);
    }

    private void assertOnlyIn(String folderId, String messageId) {
        List<MessageDoc> all = queries.snapshot(account).await().atMost(WAIT);
        assertEquals(1, all.size(), all.toString());
        assertEquals(messageId, all.get(0).messageId());
        assertEquals(folderId, all.get(0).folderId());
        assertEquals(1, queries.searchMessages(account, folderId, null, false, 0, 10).await().atMost(WAIT).total());
    }

    private MessageDoc message(String id, String folderId, String subject, boolean read, Instant received) {
        return new MessageDoc(account, "jane@example.org", id, folderId, folderId.toUpperCase(), subject,
                "Jane Doe", "jane@example.org", List.of("bob@example.org", "carol@example.org"), List.of("dan@example.org"),
                received, received.minusSeconds(5), read, "notFlagged", "normal", List.of("Blue"), false,
                "Preview of " + subject, "conv-" + id, "<" + id + "@example.org>", received, NOW);
    }

    private FolderDoc folder(String id, String name, String wellKnown) {
        return new FolderDoc(account, id, name, null, wellKnown, 3, 1);
    }

    private static MessageDoc withInternetMessageId(MessageDoc m, String internetMessageId) {
        return new MessageDoc(m.accountId(), m.address(), m.messageId(), m.folderId(), m.folderName(), m.subject(),
                m.fromName(), m.fromAddress(), m.to(), m.cc(), m.receivedAt(), m.sentAt(), m.isRead(), m.flagStatus(),
                m.importance(), m.categories(), m.hasAttachments(), m.bodyPreview(), m.conversationId(),
                internetMessageId, m.lastModified(), m.syncedAt());
    }

    private static MessageDoc withAccount(MessageDoc m, UUID accountId) {
        return new MessageDoc(accountId, m.address(), m.messageId(), m.folderId(), m.folderName(), m.subject(),
                m.fromName(), m.fromAddress(), m.to(), m.cc(), m.receivedAt(), m.sentAt(), m.isRead(), m.flagStatus(),
                m.importance(), m.categories(), m.hasAttachments(), m.bodyPreview(), m.conversationId(),
                m.internetMessageId(), m.lastModified(), m.syncedAt());
    }

    private static List<String> ids(MessagePage page) {
        return page.messages().stream().map(MessageDoc::messageId).toList();
    }

    private JsonNode get(String path) throws IOException {
        return read(client.performRequest(new Request("GET", path)).getEntity());
    }

    private JsonNode read(org.apache.http.HttpEntity entity) throws IOException {
        return json.readTree(EntityUtils.toString(entity));
    }
}
