package dev.postroom.provider.graph;

import dev.postroom.account.OAuthStates;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.Secret;
import dev.postroom.provider.DeltaPage;
import dev.postroom.provider.FolderRef;
import dev.postroom.provider.MailProvider;
import dev.postroom.provider.MailProviders;
import dev.postroom.provider.MailboxSession;
import dev.postroom.provider.ProviderUnauthorizedException;
import dev.postroom.provider.ProviderUnavailableException;
import dev.postroom.provider.ResourceGoneException;
import dev.postroom.provider.Subscription;
import dev.postroom.provider.SyncStateLostException;
import dev.postroom.simulator.Faults;
import dev.postroom.simulator.NewMessage;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.Recipient;
import dev.postroom.simulator.SimFolder;
import dev.postroom.simulator.SimMessage;
import dev.postroom.simulator.SubscriptionInfo;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Graph adapter's mailbox reading and subscriptions, through the provider port, against the Outlook simulator
 * over HTTP: tokens come from the simulator's sign-in, as for a linked mailbox.
 */
@QuarkusTest
class GraphMailboxTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern CODE = Pattern.compile("[?&]code=([^&]+)");

    @Inject
    OutlookSimulator simulator;
    @Inject
    MailProviders providers;
    @ConfigProperty(name = "postroom.public-url")
    String publicUrl;

    private MailProvider outlook() {
        return providers.get(GraphMailProvider.KIND);
    }

    /** A new simulated mailbox and a session with a token from the simulator's sign-in (login_hint: consent at once). */
    private MailboxSession newMailbox(String prefix) {
        String address = prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@sim.example";
        simulator.createMailbox(address, "Graph Tester", false);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Secret verifier = Secret.of(Base64.getUrlEncoder().withoutPadding().encodeToString(random));
        URI authorize = outlook().authorizationUrl("state-" + UUID.randomUUID(), OAuthStates.challenge(verifier), address);
        HttpResponse<Void> redirect = send(HttpRequest.newBuilder(authorize).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(302, redirect.statusCode());
        Matcher code = CODE.matcher(redirect.headers().firstValue("Location").orElseThrow());
        assertTrue(code.find(), "the redirect carries a code");
        var grant = await(outlook().exchangeCode(Secret.of(URLDecoder.decode(code.group(1), StandardCharsets.UTF_8)), verifier));
        return new MailboxSession(UUID.randomUUID(), address, grant.accessToken());
    }

    /** A plain HTTP call to the simulator, redirects not followed. */
    private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()) {
            return http.send(request, body);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " did not answer", e);
        }
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    private FolderRef folderRef(MailboxSession session, String folder) {
        SimFolder simFolder = simulator.folder(session.address(), folder);
        return new FolderRef(simFolder.id(), simFolder.displayName());
    }

    /** Pages through one message delta round from {@code link} (null: the first round). */
    private List<DeltaPage> messageRound(MailboxSession session, FolderRef folder, String link, int pageSize) {
        List<DeltaPage> pages = new ArrayList<>();
        String next = link;
        do {
            DeltaPage page = await(outlook().messageDelta(session, folder, next, pageSize));
            pages.add(page);
            next = page.link();
        } while (!pages.getLast().roundComplete() && pages.size() < 100);
        return pages;
    }

    private List<DeltaPage> folderRound(MailboxSession session, String link) {
        List<DeltaPage> pages = new ArrayList<>();
        String next = link;
        do {
            DeltaPage page = await(outlook().folderDelta(session, next));
            pages.add(page);
            next = page.link();
        } while (!pages.getLast().roundComplete() && pages.size() < 100);
        return pages;
    }

    private static List<MailboxChange> changes(List<DeltaPage> pages) {
        return pages.stream().flatMap(page -> page.changes().stream()).toList();
    }

    private static Map<String, MessageDoc> upserted(List<MailboxChange> changes) {
        Map<String, MessageDoc> docs = new HashMap<>();
        changes.stream().filter(MailboxChange.Upserted.class::isInstance).map(c -> ((MailboxChange.Upserted) c).doc())
                .forEach(doc -> docs.put(doc.messageId(), doc));
        return docs;
    }

    private static Map<String, FolderDoc> folders(List<MailboxChange> changes) {
        Map<String, FolderDoc> docs = new HashMap<>();
        changes.stream().filter(MailboxChange.FolderUpserted.class::isInstance).map(c -> ((MailboxChange.FolderUpserted) c).folder())
                .forEach(doc -> docs.put(doc.folderId(), doc));
        return docs;
    }

    @Test
    void theFolderTreeComesWholeParentsFirstThenOnlyWhatChanged() {
        MailboxSession session = newMailbox("folders");
        String address = session.address();
        SimFolder projects = simulator.createFolder(address, null, "Projects");
        SimFolder alpha = simulator.createFolder(address, projects.id(), "Alpha");
        SimFolder old = simulator.createFolder(address, null, "Old");
        simulator.addMessage(address, alpha.id(), NewMessage.of("one", "a@example.org", address));
        SimMessage read = simulator.addMessage(address, alpha.id(), NewMessage.of("two", "b@example.org", address));
        simulator.markRead(address, read.id(), true);

        List<DeltaPage> first = folderRound(session, null);
        assertTrue(first.getLast().roundComplete());
        List<MailboxChange> changes = changes(first);
        assertTrue(changes.stream().allMatch(MailboxChange.FolderUpserted.class::isInstance), changes.toString());
        List<FolderDoc> tree = changes.stream().map(c -> ((MailboxChange.FolderUpserted) c).folder()).toList();
        assertEquals(simulator.folders(address).stream().map(SimFolder::id).collect(Collectors.toSet()),
                tree.stream().map(FolderDoc::folderId).collect(Collectors.toSet()));
        List<String> order = tree.stream().map(FolderDoc::folderId).toList();
        for (FolderDoc folder : tree) {
            if (order.contains(folder.parentId())) {
                assertTrue(order.indexOf(folder.parentId()) < order.indexOf(folder.folderId()), folder.name() + " after its parent");
            }
        }
        FolderDoc alphaDoc = folders(changes).get(alpha.id());
        assertEquals(new FolderDoc(session.accountId(), alpha.id(), "Alpha", projects.id(), null, 2, 1), alphaDoc);
        assertEquals(simulator.folderId(address, "msgfolderroot"), folders(changes).get(projects.id()).parentId());
        assertEquals("Inbox", folders(changes).get(simulator.folderId(address, "inbox")).name());

        simulator.createFolder(address, projects.id(), "Beta");
        simulator.renameFolder(address, alpha.id(), "Alpha 2");
        simulator.deleteFolder(address, old.id());
        List<DeltaPage> next = folderRound(session, first.getLast().link());
        assertTrue(next.getLast().roundComplete());
        List<MailboxChange> nextChanges = changes(next);
        Map<String, FolderDoc> nextFolders = folders(nextChanges);
        String beta = simulator.folders(address).stream().filter(f -> f.displayName().equals("Beta")).findFirst().orElseThrow().id();
        assertEquals("Alpha 2", nextFolders.get(alpha.id()).name());
        assertEquals(projects.id(), nextFolders.get(beta).parentId());
        assertTrue(nextChanges.contains(new MailboxChange.FolderRemoved(session.accountId(), old.id())), nextChanges.toString());
        assertFalse(nextFolders.containsKey(simulator.folderId(address, "inbox")), "an unchanged folder is not reported again");
    }

    @Test
    void aMessageRoundIsPagedAsAskedAndTheNextRoundHasReadFlagMoveAndDelete() {
        MailboxSession session = newMailbox("messages");
        String address = session.address();
        SimMessage detailed = simulator.addMessage(address, "inbox", new NewMessage("Quarterly report",
                new Recipient("Ann Lee", "ann@example.org"),
                List.of(new Recipient("To One", "to1@example.org"), new Recipient(null, "to2@example.org")),
                List.of(new Recipient("Cc", "cc@example.org")), "Numbers\n\nare   up", Instant.parse("2024-03-01T09:30:00Z"),
                false, SimMessage.COMPLETE, "high", List.of("Red", "Blue"), true, false));
        for (int i = 1; i < 25; i++) {
            simulator.newMail(address, "Message " + i, "Sender " + i + " <s" + i + "@example.org>");
        }
        FolderRef inbox = folderRef(session, "inbox");
        FolderRef archive = folderRef(session, "archive");
        String deltaPrefix = publicUrl + "/simulator/graph/v1.0/me/mailFolders/" + inbox.id() + "/messages/delta?";

        // 9 per page, not Graph's default of 10: the page size asked for is the one served.
        List<DeltaPage> round = messageRound(session, inbox, null, 9);
        assertEquals(List.of(9, 9, 7), round.stream().map(p -> p.changes().size()).toList());
        assertEquals(List.of(false, false, true), round.stream().map(DeltaPage::roundComplete).toList());
        assertTrue(round.get(0).link().startsWith(deltaPrefix + "$skiptoken="), round.get(0).link());
        assertTrue(round.get(2).link().startsWith(deltaPrefix + "$deltatoken="), round.get(2).link());
        Map<String, MessageDoc> docs = upserted(changes(round));
        assertEquals(simulator.messagesIn(address, "inbox").stream().map(SimMessage::id).collect(Collectors.toSet()), docs.keySet());

        SimMessage truth = simulator.message(address, detailed.id());
        assertEquals(new MessageDoc(session.accountId(), address, truth.id(), inbox.id(), "Inbox", "Quarterly report",
                "Ann Lee", "ann@example.org", List.of("to1@example.org", "to2@example.org"), List.of("cc@example.org"),
                Instant.parse("2024-03-01T09:30:00Z"), truth.sentDateTime().truncatedTo(ChronoUnit.SECONDS), false,
                "complete", "high", List.of("Red", "Blue"), true, "Numbers are up", truth.conversationId(),
                truth.internetMessageId(), truth.lastModifiedDateTime().truncatedTo(ChronoUnit.SECONDS), null),
                docs.get(detailed.id()));

        // Nothing changed: an empty round that ends at once.
        List<DeltaPage> quiet = messageRound(session, inbox, round.getLast().link(), 10);
        assertEquals(1, quiet.size());
        assertEquals(List.of(), quiet.getFirst().changes());

        List<DeltaPage> archiveRound = messageRound(session, archive, null, 10);
        assertEquals(List.of(), changes(archiveRound));

        List<SimMessage> messages = simulator.messagesIn(address, "inbox");
        String read = messages.get(1).id();
        String flagged = messages.get(2).id();
        String moved = messages.get(3).id();
        String deleted = messages.get(4).id();
        simulator.markRead(address, read, true);
        simulator.flag(address, flagged, SimMessage.FLAGGED);
        simulator.move(address, moved, "archive");
        simulator.delete(address, deleted);

        List<MailboxChange> next = changes(messageRound(session, inbox, round.getLast().link(), 10));
        Map<String, MessageDoc> nextDocs = upserted(next);
        assertEquals(Set.of(read, flagged), nextDocs.keySet());
        assertTrue(nextDocs.get(read).isRead());
        assertEquals("flagged", nextDocs.get(flagged).flagStatus());
        assertTrue(next.contains(new MailboxChange.RemovedFromFolder(session.accountId(), moved, inbox.id())), next.toString());
        assertTrue(next.contains(new MailboxChange.RemovedFromFolder(session.accountId(), deleted, inbox.id())), next.toString());
        assertEquals(4, next.size());
        assertOnlySelectedProperties(session, round.getLast().link());

        List<MailboxChange> movedIn = changes(messageRound(session, archive, archiveRound.getLast().link(), 10));
        assertEquals(1, movedIn.size());
        MessageDoc arrived = ((MailboxChange.Upserted) movedIn.getFirst()).doc();
        assertEquals(moved, arrived.messageId());
        assertEquals(archive.id(), arrived.folderId());
        assertEquals("Archive", arrived.folderName());
    }

    /** The delta asks for what the mirror stores ($select, kept in the links): no bodies, no duplicate sender. */
    private static void assertOnlySelectedProperties(MailboxSession session, String link) {
        HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(link))
                .header("Authorization", session.token().authorizationHeader()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        JsonArray entries = new JsonObject(page.body()).getJsonArray("value");
        assertFalse(entries.isEmpty());
        for (Object entry : entries) {
            Set<String> keys = ((JsonObject) entry).fieldNames();
            assertFalse(keys.contains("body") || keys.contains("sender") || keys.contains("bccRecipients"), keys.toString());
        }
    }

    @Test
    void expiredDeltaLinksAreALostSyncState() {
        MailboxSession session = newMailbox("expired");
        simulator.newMail(session.address(), "Hello", "someone@example.org");
        FolderRef inbox = folderRef(session, "inbox");
        String messageLink = messageRound(session, inbox, null, 10).getLast().link();
        String folderLink = folderRound(session, null).getLast().link();

        simulator.expireDeltaTokens(session.address());
        assertThrows(SyncStateLostException.class, () -> await(outlook().messageDelta(session, inbox, messageLink, 10)));
        assertThrows(SyncStateLostException.class, () -> await(outlook().folderDelta(session, folderLink)));
        assertEquals(1, changes(messageRound(session, inbox, null, 10)).size(), "a round without link starts afresh");
    }

    @Test
    void throttlingAndOutagesAreUnavailableWithTheRetryAfterGiven() {
        MailboxSession session = newMailbox("throttled");
        FolderRef inbox = folderRef(session, "inbox");
        try {
            simulator.setFaults(session.address(), Faults.none().withThrottling(1.0, Duration.ofMillis(2128)));
            var throttled = assertThrows(ProviderUnavailableException.class,
                    () -> await(outlook().messageDelta(session, inbox, null, 10)));
            assertTrue(throttled.throttled());
            assertEquals(Optional.of(Duration.ofMillis(2128)), throttled.retryAfter());

            simulator.setFaults(session.address(), Faults.none().withUnavailability(1.0, Duration.ofSeconds(3)));
            var unavailable = assertThrows(ProviderUnavailableException.class, () -> await(outlook().folderDelta(session, null)));
            assertFalse(unavailable.throttled());
            assertEquals(Optional.of(Duration.ofSeconds(3)), unavailable.retryAfter());
        } finally {
            simulator.setFaults(session.address(), null);
        }
        assertTrue(await(outlook().messageDelta(session, inbox, null, 10)).roundComplete());
    }

    @Test
    void anExpiredAccessTokenIsUnauthorized() {
        MailboxSession session = newMailbox("unauthorized");
        simulator.expireAccessTokens(session.address());
        assertThrows(ProviderUnauthorizedException.class, () -> await(outlook().wellKnownFolderId(session, "inbox")));
        assertThrows(ProviderUnauthorizedException.class, () -> await(outlook().folderDelta(session, null)));
    }

    @Test
    void theMessageDeltaOfADeletedFolderIsGone() {
        MailboxSession session = newMailbox("gone");
        SimFolder doomed = simulator.createFolder(session.address(), null, "Doomed");
        FolderRef folder = new FolderRef(doomed.id(), doomed.displayName());
        String link = messageRound(session, folder, null, 10).getLast().link();

        simulator.deleteFolder(session.address(), doomed.id());
        assertThrows(ResourceGoneException.class, () -> await(outlook().messageDelta(session, folder, null, 10)));
        assertThrows(ResourceGoneException.class, () -> await(outlook().messageDelta(session, folder, link, 10)));
    }

    @Test
    void aWellKnownFolderIdTakesOneRequestAndAnUnknownNameIsEmpty() {
        MailboxSession session = newMailbox("wellknown");
        simulator.resetStats(session.address());
        assertEquals(Optional.of(simulator.folderId(session.address(), "inbox")),
                await(outlook().wellKnownFolderId(session, "inbox")));
        assertEquals(1, simulator.stats(session.address()).requests());
        for (String name : MailProvider.WELL_KNOWN_FOLDERS) {
            assertEquals(Optional.of(simulator.folderId(session.address(), name)), await(outlook().wellKnownFolderId(session, name)));
        }
        assertEquals(Optional.empty(), await(outlook().wellKnownFolderId(session, "nosuchfolder")));
    }

    @Test
    void aSubscriptionIsCreatedRenewedAndRemoved() {
        MailboxSession session = newMailbox("subscribed");
        String address = session.address();
        URI hook = URI.create(publicUrl + "/test-webhooks/graph-" + UUID.randomUUID());
        URI lifecycle = URI.create(publicUrl + "/test-webhooks/graph-life-" + UUID.randomUUID());
        Instant expiresAt = Instant.now().plus(Duration.ofHours(1));

        Subscription subscription = await(outlook().subscribe(session, hook, lifecycle, "client-state-1", expiresAt));
        List<SubscriptionInfo> held = simulator.subscriptions(address);
        assertEquals(1, held.size());
        SubscriptionInfo info = held.getFirst();
        assertEquals(subscription.id(), info.id());
        assertEquals("/me/messages", info.resource());
        assertEquals("created,updated,deleted", info.changeType());
        assertEquals(hook.toString(), info.notificationUrl());
        assertEquals(lifecycle.toString(), info.lifecycleNotificationUrl());
        assertEquals("client-state-1", info.clientState());
        assertEquals(expiresAt.truncatedTo(ChronoUnit.MILLIS), info.expirationDateTime());
        assertEquals(expiresAt.truncatedTo(ChronoUnit.SECONDS), subscription.expiresAt());

        Instant later = Instant.now().plus(Duration.ofHours(2));
        Subscription renewed = await(outlook().renewSubscription(session, subscription.id(), later));
        assertEquals(subscription.id(), renewed.id());
        assertEquals(later.truncatedTo(ChronoUnit.SECONDS), renewed.expiresAt());
        assertEquals(later.truncatedTo(ChronoUnit.MILLIS), simulator.subscriptions(address).getFirst().expirationDateTime());

        await(outlook().unsubscribe(session, subscription.id()));
        assertEquals(List.of(), simulator.subscriptions(address));
        assertNull(await(outlook().unsubscribe(session, subscription.id())), "one that is gone counts as removed");
        assertInstanceOf(ResourceGoneException.class, assertThrows(RuntimeException.class,
                () -> await(outlook().renewSubscription(session, subscription.id(), later))));
    }
}
