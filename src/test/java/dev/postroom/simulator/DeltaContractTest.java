package dev.postroom.simulator;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.postroom.simulator.Sim.graph;
import static dev.postroom.simulator.Sim.round;
import static dev.postroom.simulator.Sim.signIn;
import static dev.postroom.simulator.Sim.uniqueAddress;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-folder delta semantics: paging, later rounds with exactly the changes, moves, $select, stale tokens. */
@QuarkusTest
class DeltaContractTest {

    private static final String INBOX_DELTA = Sim.GRAPH + "/me/mailFolders/inbox/messages/delta";

    @Inject
    OutlookSimulator simulator;

    private String mailboxWith(int inboxMessages) {
        String address = uniqueAddress("delta");
        simulator.createMailbox(address, "Delta Tester", false);
        for (int i = 0; i < inboxMessages; i++) {
            simulator.newMail(address, "Message " + i, "Sender " + i + " <s" + i + "@example.org>");
        }
        return address;
    }

    @Test
    void theFirstRoundPagesThroughEveryMessageWithNextLinksThenADeltaLink() {
        String address = mailboxWith(23);
        String token = signIn(address).accessToken();

        Sim.Round round = round(token, INBOX_DELTA, 5, null);
        assertEquals(5, round.pages(), "23 messages at 5 per page");
        assertEquals(ids(simulator.messagesIn(address, "inbox")), idsOf(round.entries()));
        assertEquals(23, round.entries().size(), "no message twice in one round");
        assertTrue(round.deltaLink().contains("/simulator/graph/v1.0/me/mailFolders/") && round.deltaLink().contains("$deltatoken="));

        Map<String, Object> first = round.entries().get(0);
        assertEquals("#microsoft.graph.message", first.get("@odata.type"));
        assertNotNull(first.get("@odata.etag"));
        assertEquals(simulator.folderId(address, "inbox"), first.get("parentFolderId"));
        for (String property : List.of("id", "internetMessageId", "conversationId", "subject", "from", "sender", "toRecipients",
                "ccRecipients", "receivedDateTime", "sentDateTime", "isRead", "isDraft", "lastModifiedDateTime", "changeKey",
                "bodyPreview", "hasAttachments", "importance", "categories", "flag")) {
            assertTrue(first.containsKey(property), property);
        }

        // Without Prefer: pages of 10; the nextLink says $skiptoken.
        ExtractableResponse<Response> page = graph(token).get(INBOX_DELTA).then().statusCode(200).extract();
        Map<String, Object> body = Sim.json(page);
        assertEquals(10, Sim.list(body.get("value")).size());
        assertTrue(((String) body.get("@odata.nextLink")).contains("$skiptoken="));
        assertEquals("odata.maxpagesize=10", page.header("Preference-Applied"));

        // Nothing changed: the next round is empty and ends with a deltaLink at once.
        Sim.Round empty = round(token, round.deltaLink(), 5, null);
        assertEquals(0, empty.entries().size());
        assertEquals(1, empty.pages());
    }

    @Test
    void theNextRoundShowsExactlyTheChangesAndAMoveShowsInBothFolders() {
        String address = mailboxWith(6);
        String token = signIn(address).accessToken();
        List<SimMessage> messages = simulator.messagesIn(address, "inbox");
        Sim.Round inbox = round(token, INBOX_DELTA, 4, null);
        Sim.Round archive = round(token, Sim.GRAPH + "/me/mailFolders/archive/messages/delta", 4, null);
        assertEquals(0, archive.entries().size());

        String read = messages.get(0).id();
        String flagged = messages.get(1).id();
        String moved = messages.get(2).id();
        String deleted = messages.get(3).id();
        simulator.markRead(address, read, true);
        simulator.flag(address, flagged, SimMessage.FLAGGED);
        simulator.move(address, moved, "archive");
        simulator.delete(address, deleted);
        String created = simulator.newMail(address, "Fresh", "new@example.org").id();

        Sim.Round next = round(token, inbox.deltaLink(), 4, null);
        Map<String, Map<String, Object>> byId = next.entries().stream()
                .collect(Collectors.toMap(e -> (String) e.get("id"), e -> e));
        assertEquals(Set.of(read, flagged, moved, deleted, created), byId.keySet());
        assertEquals(true, byId.get(read).get("isRead"));
        assertEquals(Map.of("flagStatus", "flagged"), byId.get(flagged).get("flag"));
        assertTrue(byId.get(moved).containsKey("@removed"));
        assertEquals(Set.of("id", "@removed"), byId.get(moved).keySet());
        assertEquals(Map.of("reason", "deleted"), byId.get(deleted).get("@removed"));
        assertEquals("Fresh", byId.get(created).get("subject"));

        Sim.Round archived = round(token, archive.deltaLink(), 4, null);
        assertEquals(List.of(moved), idsOf(archived.entries()).stream().toList());
        assertEquals(simulator.folderId(address, "archive"), archived.entries().get(0).get("parentFolderId"));

        // The id survived the move (immutable ids), and GET by id still works.
        graph(token).get(Sim.GRAPH + "/me/messages/" + moved).then().statusCode(200)
                .body("parentFolderId", is(simulator.folderId(address, "archive")));
    }

    @Test
    void aChangeMadeBetweenTwoPagesIsInThatRoundOrTheNextNeverLost() {
        String address = mailboxWith(8);
        String token = signIn(address).accessToken();
        List<SimMessage> messages = simulator.messagesIn(address, "inbox");
        Map<String, Map<String, Object>> mirror = new HashMap<>();
        List<String> created = new ArrayList<>();

        Sim.Round first = round(token, INBOX_DELTA, 3, () -> {
            // While the round is paged: change a message of the page already read, one of a later page, add and move.
            simulator.markRead(address, messages.get(0).id(), true);
            simulator.flag(address, messages.get(7).id(), SimMessage.FLAGGED);
            created.add(simulator.newMail(address, "During paging", "late@example.org").id());
            simulator.move(address, messages.get(4).id(), "archive");
        });
        apply(mirror, first.entries());
        Sim.Round second = round(token, first.deltaLink(), 3, null);
        apply(mirror, second.entries());

        Map<String, SimMessage> truth = simulator.messagesIn(address, "inbox").stream()
                .collect(Collectors.toMap(SimMessage::id, m -> m));
        assertEquals(truth.keySet(), mirror.keySet(), "the mirror holds what the folder holds");
        assertTrue(mirror.containsKey(created.get(0)));
        assertFalse(mirror.containsKey(messages.get(4).id()));
        truth.values().forEach(m -> {
            assertEquals(m.isRead(), mirror.get(m.id()).get("isRead"), m.id());
            assertEquals(m.flagStatus(), ((Map<?, ?>) mirror.get(m.id()).get("flag")).get("flagStatus"), m.id());
        });
    }

    @Test
    void selectLimitsThePropertiesOfEveryPageAndStaysInTheLinks() {
        String address = mailboxWith(5);
        String token = signIn(address).accessToken();
        Sim.Round round = round(token, INBOX_DELTA + "?$select=subject,isRead", 2, null);
        assertEquals(3, round.pages());
        for (Map<String, Object> entry : round.entries()) {
            assertEquals(Set.of("@odata.type", "@odata.etag", "id", "subject", "isRead"), entry.keySet());
        }
        simulator.markRead(address, simulator.messagesIn(address, "inbox").get(0).id(), true);
        Sim.Round next = round(token, round.deltaLink(), 2, null);
        assertEquals(Set.of("@odata.type", "@odata.etag", "id", "subject", "isRead"), next.entries().get(0).keySet());

        graph(token).get(INBOX_DELTA + "?$select=nonsense").then().statusCode(400);
    }

    @Test
    void staleOrForgedTokensAre410SyncStateNotFound() {
        String address = mailboxWith(3);
        String token = signIn(address).accessToken();
        Sim.Round round = round(token, INBOX_DELTA, 2, null);
        ExtractableResponse<Response> firstPage = graph(token).header("Prefer", "odata.maxpagesize=1").get(INBOX_DELTA).then().extract();
        String nextLink = (String) Sim.json(firstPage).get("@odata.nextLink");

        simulator.expireDeltaTokens(address);
        graph(token).get(round.deltaLink()).then().statusCode(410).body("error.code", is("SyncStateNotFound"));
        graph(token).get(nextLink).then().statusCode(410).body("error.code", is("SyncStateNotFound"));
        graph(token).get(INBOX_DELTA + "?$deltatoken=bm9wZQ.bm9wZQ").then().statusCode(410);
        graph(token).get(INBOX_DELTA + "?$skiptoken=garbage").then().statusCode(410);

        // A delta link of another folder is not valid here either.
        Sim.Round archive = round(token, Sim.GRAPH + "/me/mailFolders/archive/messages/delta", null, null);
        String elsewhere = archive.deltaLink().replace("/" + simulator.folderId(address, "archive") + "/",
                "/" + simulator.folderId(address, "inbox") + "/");
        graph(token).get(elsewhere).then().statusCode(410);

        // Recovery: a round without token works again.
        assertEquals(3, round(token, INBOX_DELTA, null, null).entries().size());
    }

    @Test
    void olderNextLinksOfARoundStopWorkingAfterNewerPages() {
        String address = mailboxWith(10);
        String token = signIn(address).accessToken();
        List<String> links = new ArrayList<>();
        String url = INBOX_DELTA;
        for (int page = 0; page < 6; page++) {
            Map<String, Object> body = Sim.json(graph(token).header("Prefer", "odata.maxpagesize=1").get(url).then().statusCode(200).extract());
            url = (String) body.get("@odata.nextLink");
            links.add(url);
        }
        graph(token).get(links.get(links.size() - 1)).then().statusCode(200);
        graph(token).get(links.get(0)).then().statusCode(410);
    }

    @Test
    void theFolderDeltaReturnsTheTreeThenItsChanges() {
        String address = mailboxWith(2);
        String token = signIn(address).accessToken();
        Sim.Round tree = round(token, Sim.GRAPH + "/me/mailFolders/delta", 100, null);
        Map<String, Map<String, Object>> byName = tree.entries().stream()
                .collect(Collectors.toMap(e -> (String) e.get("displayName"), e -> e));
        assertTrue(byName.keySet().containsAll(List.of("Inbox", "Drafts", "Sent Items", "Deleted Items", "Junk Email", "Archive", "Outbox")));
        assertEquals(2, byName.get("Inbox").get("totalItemCount"));
        assertEquals(2, byName.get("Inbox").get("unreadItemCount"));
        assertEquals(simulator.folderId(address, "msgfolderroot"), byName.get("Inbox").get("parentFolderId"));

        SimFolder projects = simulator.createFolder(address, "inbox", "Projects");
        SimFolder doomed = simulator.createFolder(address, null, "Doomed");
        Sim.Round between = round(token, tree.deltaLink(), 100, null);
        simulator.deleteFolder(address, doomed.id());
        Sim.Round after = round(token, between.deltaLink(), 100, null);

        assertTrue(idsOf(between.entries()).containsAll(List.of(projects.id(), doomed.id())));
        assertTrue(after.entries().stream().anyMatch(e -> doomed.id().equals(e.get("id")) && e.containsKey("@removed")));
        Map<String, Object> inbox = between.entries().stream().filter(e -> "Inbox".equals(e.get("displayName"))).findFirst().orElseThrow();
        assertEquals(1, inbox.get("childFolderCount"));

        graph(token).get(Sim.GRAPH + "/me/mailFolders/inbox/childFolders").then().statusCode(200)
                .body("value[0].displayName", is("Projects"));
        graph(token).get(Sim.GRAPH + "/me/mailFolders/INBOX").then().statusCode(200).body("displayName", is("Inbox"));
        graph(token).get(Sim.GRAPH + "/me/mailFolders/nonexistent").then().statusCode(404).body("error.code", is("ErrorItemNotFound"));
    }

    @Test
    void topLevelFoldersArePagedAndHiddenOnesShowOnlyWhenAsked() {
        String address = mailboxWith(0);
        String token = signIn(address).accessToken();
        simulator.createFolder(address, null, "Receipts");
        simulator.createFolder(address, null, "Travel");
        simulator.createFolder(address, null, "Taxes");
        simulator.createHiddenFolder(address, null, "Secret");
        Map<String, Object> first = Sim.json(graph(token).get(Sim.GRAPH + "/me/mailFolders").then().statusCode(200).extract());
        assertEquals(10, Sim.list(first.get("value")).size());
        Map<String, Object> second = Sim.json(graph(token).get((String) first.get("@odata.nextLink")).then().statusCode(200).extract());
        List<String> names = new ArrayList<>();
        Sim.list(first.get("value")).forEach(f -> names.add((String) f.get("displayName")));
        Sim.list(second.get("value")).forEach(f -> names.add((String) f.get("displayName")));
        assertFalse(names.contains("Secret"));
        assertTrue(names.containsAll(List.of("Inbox", "Receipts", "Travel", "Taxes")));
        assertEquals(11, names.size());
        Map<String, Object> all = Sim.json(graph(token).get(Sim.GRAPH + "/me/mailFolders?includeHiddenFolders=true&$top=50").then().statusCode(200).extract());
        assertTrue(Sim.list(all.get("value")).stream().anyMatch(f -> "Secret".equals(f.get("displayName"))));
    }

    @Test
    void messagesCanBeReadChangedMovedDeletedAndSent() {
        String address = mailboxWith(1);
        String other = mailboxWith(0);
        String token = signIn(address).accessToken();
        String id = simulator.messagesIn(address, "inbox").get(0).id();

        graph(token).contentType("application/json").body("{\"isRead\":true,\"flag\":{\"flagStatus\":\"flagged\"},\"categories\":[\"Red\"]}")
                .patch(Sim.GRAPH + "/me/messages/" + id).then().statusCode(200)
                .body("isRead", is(true)).body("flag.flagStatus", is("flagged")).body("categories[0]", is("Red"));
        assertTrue(simulator.message(address, id).isRead());
        graph(token).contentType("application/json").body("{\"destinationId\":\"archive\"}")
                .post(Sim.GRAPH + "/me/messages/" + id + "/move").then().statusCode(201)
                .body("id", is(id)).body("parentFolderId", is(simulator.folderId(address, "archive")));
        graph(token).get(Sim.GRAPH + "/me/messages/" + id + "?$select=subject").then().statusCode(200)
                .body("subject", is("Message 0"));
        graph(token).delete(Sim.GRAPH + "/me/messages/" + id).then().statusCode(204);
        graph(token).get(Sim.GRAPH + "/me/messages/" + id).then().statusCode(404).body("error.code", is("ErrorItemNotFound"));

        graph(token).contentType("application/json")
                .body("{\"message\":{\"subject\":\"Hi there\",\"body\":{\"contentType\":\"Text\",\"content\":\"Hello\"},"
                        + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"" + other + "\"}}]}}")
                .post(Sim.GRAPH + "/me/sendMail").then().statusCode(202);
        assertEquals("Hi there", simulator.messagesIn(address, "sentitems").get(0).subject());
        SimMessage received = simulator.messagesIn(other, "inbox").get(0);
        assertEquals("Hi there", received.subject());
        assertEquals(address, received.from().address());
        assertFalse(received.isRead());
    }

    @Test
    void aLargeMailboxPagesThroughAtAThousandPerPage() {
        String address = mailboxWith(0);
        long start = System.nanoTime();
        simulator.generateMessages(address, 100_000, 11);
        long generated = System.nanoTime();
        String token = signIn(address).accessToken();
        Sim.Round round = round(token, INBOX_DELTA + "?$select=subject,isRead,flag,receivedDateTime", 1000, null);
        long paged = System.nanoTime();
        int inbox = simulator.messagesIn(address, "inbox").size();
        assertEquals(inbox, round.entries().size());
        assertEquals((inbox + 999) / 1000, round.pages());
        System.out.printf("simulator: 100,000 messages generated in %d ms; inbox delta of %d messages in %d pages took %d ms%n",
                (generated - start) / 1_000_000, inbox, round.pages(), (paged - generated) / 1_000_000);
        simulator.deleteMailbox(address);
    }

    private static void apply(Map<String, Map<String, Object>> mirror, List<Map<String, Object>> entries) {
        for (Map<String, Object> entry : entries) {
            if (entry.containsKey("@removed")) {
                mirror.remove((String) entry.get("id"));
            } else {
                mirror.put((String) entry.get("id"), entry);
            }
        }
    }

    private static Set<String> ids(List<SimMessage> messages) {
        return messages.stream().map(SimMessage::id).collect(Collectors.toSet());
    }

    private static Set<String> idsOf(List<Map<String, Object>> entries) {
        return entries.stream().map(e -> (String) e.get("id")).collect(Collectors.toSet());
    }
}
