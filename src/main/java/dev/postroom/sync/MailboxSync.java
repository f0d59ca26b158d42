package dev.postroom.sync;

import dev.postroom.account.MailboxNeedsRelinkException;
import dev.postroom.events.Topics;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MailboxChange.FolderRemoved;
import dev.postroom.mail.MailboxChange.FolderUpserted;
import dev.postroom.mail.MailboxChange.Upserted;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.provider.AccessToken;
import dev.postroom.provider.DeltaPage;
import dev.postroom.provider.FolderRef;
import dev.postroom.provider.MailProvider;
import dev.postroom.provider.MailboxSession;
import dev.postroom.provider.ProviderUnauthorizedException;
import dev.postroom.provider.ResourceGoneException;
import dev.postroom.provider.Subscription;
import dev.postroom.provider.SyncStateLostException;
import dev.postroom.search.BulkResult;
import dev.postroom.search.Refresh;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Syncs one leased mailbox: the folder tree's delta, then each folder's message delta, each folder on its own
 * schedule, for as long as this instance holds the lease. The rules that keep the mirror exact (design.md,
 * docs/adr/0002):
 * <ul>
 *   <li>a page's delta link is stored only after its changes are in the mirror (a crash replays one page);</li>
 *   <li>rounds are numbered in the order their snapshots were taken ({@link #roundStart}: one round of the mailbox
 *       starts at a time) and the mirror refuses a page older than what it holds;</li>
 *   <li>the mailbox's writes go in one at a time ({@link #writes}), so a removed folder's late page cannot land after
 *       the folder's messages were deleted;</li>
 *   <li>a folder read from scratch removes at its end what it did not see;</li>
 *   <li>every request passes the mailbox's {@link MailboxGate}.</li>
 * </ul>
 * State is guarded by this object's monitor; no I/O happens under it.
 */
final class MailboxSync {

    private static final Logger LOG = Logger.getLogger(MailboxSync.class);
    /** Progress events at most this often (the last one always goes out). */
    private static final long PROGRESS_EVERY_MILLIS = 250;
    private static final long STATE_DOC_EVERY_MILLIS = 1_000;
    private static final Duration TOKEN_MARGIN = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    final UUID id;
    final UUID userId;
    final String address;
    private final SyncContext ctx;
    private final MailProvider provider;
    private final MailboxGate gate;
    private final String topic;
    private final AsyncPermits writes = new AsyncPermits(1);
    private final AsyncPermits roundStart = new AsyncPermits(1);
    private final Map<String, FolderState> folders = new LinkedHashMap<>();
    private final Map<String, String> wellKnownById = new HashMap<>();

    private String treeLink;
    private boolean treeLinkIsNext;
    private boolean treeKnown;
    private boolean treeRunning;
    private boolean treeAgain;
    private long treeDueAt;
    private int treeFailures;
    private long nextRound;
    private long lastRound;
    private volatile AccessToken token;
    private boolean initialDone;
    private boolean finishingInitial;
    private volatile boolean subscribed;
    private boolean needsRelink;
    private boolean stopped;
    private String error;
    private long timer = -1;
    private int roundsRunning;
    private long lastProgressAt;
    private long lastStateDocAt;
    private boolean progressPending;
    private final List<Runnable> idleWaiters = new ArrayList<>();

    MailboxSync(SyncContext ctx, MailProvider provider, SyncStore.Leased leased, List<SyncStore.FolderRow> rows) {
        this.ctx = ctx;
        this.provider = provider;
        this.id = leased.mailboxId();
        this.userId = leased.userId();
        this.address = leased.address();
        this.topic = Topics.mailbox(id);
        this.nextRound = leased.roundsFrom();
        this.lastRound = leased.roundsTo();
        this.treeLink = leased.folderLink();
        this.treeLinkIsNext = leased.folderLinkIsNext();
        this.initialDone = leased.initialDone();
        this.gate = new MailboxGate(ctx.vertx(), ctx.config().limits(), ctx.requests(), this::pausedUntil);
        long now = System.currentTimeMillis();
        for (SyncStore.FolderRow row : rows) {
            FolderState folder = FolderState.of(row);
            folder.dueAt = now;
            folder.intervalMillis = ctx.config().poll().min().toMillis();
            folders.put(folder.id, folder);
            if (folder.wellKnownName != null) {
                wellKnownById.put(folder.id, folder.wellKnownName);
            }
        }
        // Folders are known from an earlier lease once the tree's first round completed (a delta link is stored).
        this.treeKnown = treeLink != null && !treeLinkIsNext;
        this.treeDueAt = now;
    }

    // ---------------------------------------------------------------- scheduling

    void start() {
        schedule();
    }

    /** Runs every folder (and the folder tree) now, or right after the round in progress. */
    synchronized void trigger() {
        long now = System.currentTimeMillis();
        treeDueAt = Math.min(treeDueAt, now);
        treeAgain |= treeRunning;
        for (FolderState folder : folders.values()) {
            folder.dueAt = Math.min(folder.dueAt, now);
            folder.again |= folder.running;
            folder.failuresInRow = 0;
        }
        ctx.vertx().runOnContext(ignored -> schedule());
    }

    /** Stops syncing here: waiting requests fail, rounds end after their current page, nothing new starts. */
    void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            cancelTimer();
        }
        gate.close();
        notifyIdle();
    }

    synchronized boolean stopped() {
        return stopped;
    }

    /** Completes once no round runs and nothing is due (tests and benchmarks wait for a quiet mailbox with it). */
    Uni<Void> idle() {
        return Uni.createFrom().emitter(emitter -> {
            boolean now;
            synchronized (this) {
                now = isIdle();
                if (!now) {
                    idleWaiters.add(() -> emitter.complete(null));
                }
            }
            if (now) {
                emitter.complete(null);
            }
        });
    }

    private boolean isIdle() {
        if (stopped) {
            return true;
        }
        long now = System.currentTimeMillis();
        if (treeRunning || roundsRunning > 0 || treeDueAt <= now) {
            return false;
        }
        return folders.values().stream().noneMatch(f -> f.dueAt <= now && !f.removed);
    }

    private void notifyIdle() {
        List<Runnable> ready;
        synchronized (this) {
            if (!isIdle()) {
                return;
            }
            ready = List.copyOf(idleWaiters);
            idleWaiters.clear();
        }
        ready.forEach(Runnable::run);
    }

    /** Starts what is due, within the limits, and sets a timer for what is due next. */
    private void schedule() {
        List<FolderState> start = new ArrayList<>();
        boolean startTree = false;
        synchronized (this) {
            if (stopped || needsRelink) {
                return;
            }
            cancelTimer();
            long now = System.currentTimeMillis();
            if (!treeRunning && treeDueAt <= now) {
                treeRunning = true;
                startTree = true;
            }
            if (treeKnown) {
                List<FolderState> due = folders.values().stream()
                        .filter(f -> !f.running && !f.removed && f.dueAt <= now)
                        .sorted(Comparator.comparingInt(FolderState::priority).thenComparingLong(f -> f.dueAt))
                        .toList();
                for (FolderState folder : due) {
                    if (roundsRunning >= ctx.config().foldersInParallel()) {
                        break;
                    }
                    folder.running = true;
                    folder.again = false;
                    roundsRunning++;
                    start.add(folder);
                }
            }
            long next = Long.MAX_VALUE;
            if (!treeRunning) {
                next = treeDueAt;
            }
            if (treeKnown && roundsRunning < ctx.config().foldersInParallel()) {
                for (FolderState folder : folders.values()) {
                    if (!folder.running && !folder.removed) {
                        next = Math.min(next, folder.dueAt);
                    }
                }
            }
            if (next != Long.MAX_VALUE) {
                timer = ctx.vertx().setTimer(Math.max(1, next - now), ignored -> {
                    synchronized (this) {
                        timer = -1;
                    }
                    schedule();
                });
            }
        }
        if (startTree) {
            treeRound().subscribe().with(ignored -> treeDone(null), this::treeDone);
        }
        for (FolderState folder : start) {
            Uni<Boolean> round = readsFromScratch(folder) ? ctx.fullRounds().run(() -> folderRound(folder)) : folderRound(folder);
            round.subscribe().with(changes -> folderDone(folder, changes, null), failure -> folderDone(folder, false, failure));
        }
        notifyIdle();
    }

    private void cancelTimer() {
        if (timer != -1) {
            ctx.vertx().cancelTimer(timer);
            timer = -1;
        }
    }

    // ---------------------------------------------------------------- provider calls

    /** A provider call through the gate with a valid token; after a 401, once more with a refreshed token. */
    private <T> Uni<T> call(Function<MailboxSession, Uni<T>> request) {
        return session().chain(session -> gate.call(() -> request.apply(session))
                .onFailure(ProviderUnauthorizedException.class).recoverWithUni(unauthorized ->
                        ctx.tokens().refreshAfterUnauthorized(id, session.token())
                                .invoke(fresh -> token = fresh)
                                .chain(fresh -> gate.call(() -> request.apply(session.withToken(fresh))))));
    }

    private Uni<MailboxSession> session() {
        AccessToken current = token;
        if (current != null && !current.expiresWithin(TOKEN_MARGIN, Instant.now())) {
            return Uni.createFrom().item(new MailboxSession(id, address, current));
        }
        return ctx.tokens().accessToken(id).invoke(fresh -> token = fresh)
                .map(fresh -> new MailboxSession(id, address, fresh));
    }

    private Uni<Long> takeRound() {
        synchronized (this) {
            if (nextRound <= lastRound) {
                return Uni.createFrom().item(nextRound++);
            }
        }
        return ctx.store().reserveRounds(ctx.owner(), id).map(reserved -> {
            long last = reserved.orElseThrow(LeaseLostException::new);
            synchronized (this) {
                lastRound = last;
                nextRound = last - SyncStore.ROUND_BLOCK + 1;
                return nextRound++;
            }
        });
    }

    // ---------------------------------------------------------------- the folder tree

    private Uni<Void> treeRound() {
        Uni<Void> wellKnown = wellKnownById.isEmpty() ? resolveWellKnownFolders() : Uni.createFrom().voidItem();
        String link;
        synchronized (this) {
            link = treeLink;
        }
        // A read from scratch (first time, or the tree's link was lost) reports no deletions: whatever it does not
        // list is gone.
        Set<String> seen = link == null ? new HashSet<>() : null;
        return wellKnown.chain(() -> treePage(link, seen)).chain(this::ensureSubscription);
    }

    /**
     * With notifications on: subscribes to the mailbox's changes, or renews the subscription when it expires within
     * {@code renew-before}. A failure here is logged and tried again after the next tree round: polling goes on.
     */
    private Uni<Void> ensureSubscription() {
        if (!ctx.notifications().enabled()) {
            return Uni.createFrom().voidItem();
        }
        SyncConfig.Notifications settings = ctx.config().notifications();
        Instant renewFrom = Instant.now().plus(settings.renewBefore());
        return ctx.store().subscription(id).chain(found -> {
            if (found.isPresent() && found.get().expiresAt() != null && found.get().expiresAt().isAfter(renewFrom)) {
                subscribed = true;
                return Uni.createFrom().voidItem();
            }
            Instant expiresAt = Instant.now().plus(settings.lifetime());
            String clientState = found.map(SyncStore.StoredSubscription::clientState).orElseGet(MailboxSync::newClientState);
            Uni<Subscription> renewed = found.isEmpty() ? subscribe(clientState, expiresAt)
                    : call(session -> provider.renewSubscription(session, found.get().id(), expiresAt))
                    .onFailure(ResourceGoneException.class).recoverWithUni(() -> subscribe(clientState, expiresAt));
            return renewed.chain(subscription -> ctx.store().saveSubscription(ctx.owner(), id, subscription.id(),
                            subscription.expiresAt(), clientState))
                    .invoke(() -> subscribed = true);
        }).onFailure().recoverWithItem(failure -> {
            LOG.warnf("mailbox %s: no change notifications for now (%s); polling", id, describe(failure));
            return null;
        });
    }

    private Uni<Subscription> subscribe(String clientState, Instant expiresAt) {
        SyncContext.Notifications urls = ctx.notifications();
        return call(session -> provider.subscribe(session, urls.notificationUrl(), urls.lifecycleUrl(), clientState,
                expiresAt));
    }

    private static String newClientState() {
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Asks for the well-known folders' ids once per mailbox (their display names are localised). */
    private Uni<Void> resolveWellKnownFolders() {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (String name : MailProvider.WELL_KNOWN_FOLDERS) {
            chain = chain.chain(() -> call(session -> provider.wellKnownFolderId(session, name))
                    .invoke(found -> found.ifPresent(folderId -> {
                        synchronized (this) {
                            wellKnownById.put(folderId, name);
                        }
                    })).replaceWithVoid());
        }
        return chain;
    }

    private Uni<Void> treePage(String link, Set<String> seen) {
        return call(session -> provider.folderDelta(session, link))
                .chain(page -> writes.run(() -> applyTreePage(page, seen)))
                .chain(page -> page.roundComplete() ? Uni.createFrom().voidItem() : treePage(page.link(), seen));
    }

    private Uni<DeltaPage> applyTreePage(DeltaPage page, Set<String> seen) {
        if (stopped()) {
            return Uni.createFrom().failure(new LeaseLostException());
        }
        List<MailboxChange> changes = new ArrayList<>();
        List<FolderDoc> upserted = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        Map<String, String> renamed = new HashMap<>();
        synchronized (this) {
            if (seen != null) {
                page.changes().stream().filter(FolderUpserted.class::isInstance)
                        .forEach(change -> seen.add(((FolderUpserted) change).folder().folderId()));
                if (page.roundComplete()) {
                    folders.keySet().stream().filter(folderId -> !seen.contains(folderId))
                            .forEach(folderId -> changes.add(new FolderRemoved(id, folderId)));
                    changes.forEach(change -> removed.add(((FolderRemoved) change).folderId()));
                }
            }
            for (MailboxChange change : page.changes()) {
                switch (change) {
                    case FolderUpserted up -> {
                        FolderDoc given = up.folder();
                        FolderDoc doc = new FolderDoc(id, given.folderId(), given.name(), given.parentId(),
                                wellKnownById.get(given.folderId()), given.totalCount(), given.unreadCount());
                        FolderState known = folders.get(doc.folderId());
                        if (known != null && known.name != null && !known.name.equals(doc.name())) {
                            renamed.put(doc.folderId(), doc.name());
                        }
                        upserted.add(doc);
                        changes.add(new FolderUpserted(doc));
                    }
                    case FolderRemoved gone -> {
                        removed.add(gone.folderId());
                        changes.add(gone);
                    }
                    default -> throw new IllegalStateException("a folder delta gave " + change);
                }
            }
        }
        Uni<Void> renames = Uni.createFrom().voidItem();
        for (Map.Entry<String, String> rename : renamed.entrySet()) {
            renames = renames.chain(() -> ctx.writer().renameFolder(id, rename.getKey(), rename.getValue(), Refresh.NONE)
                    .replaceWithVoid());
        }
        // In memory first: a removed folder's round must not write another page once its messages are being deleted.
        synchronized (this) {
            removed.forEach(folderId -> {
                FolderState folder = folders.remove(folderId);
                if (folder != null) {
                    folder.removed = true;
                }
            });
        }
        Uni<Void> renameMessages = renames;
        return ctx.writer().apply(id, 0, changes)
                .chain(() -> renameMessages)
                .chain(() -> ctx.store().saveFolderTree(ctx.owner(), id, upserted, removed, page.link(), !page.roundComplete()))
                .chain(saved -> {
                    if (!saved) {
                        return Uni.createFrom().failure(new LeaseLostException());
                    }
                    long now = System.currentTimeMillis();
                    synchronized (this) {
                        treeLink = page.link();
                        treeLinkIsNext = !page.roundComplete();
                        for (FolderDoc doc : upserted) {
                            FolderState folder = folders.computeIfAbsent(doc.folderId(), folderId -> {
                                FolderState added = new FolderState(folderId);
                                added.dueAt = now;
                                added.intervalMillis = ctx.config().poll().min().toMillis();
                                return added;
                            });
                            folder.describe(doc);
                            folder.wellKnownName = doc.wellKnownName();
                        }
                        if (page.roundComplete()) {
                            treeKnown = true;
                        }
                    }
                    return publish(MirrorEvents.folderChanges(changes)).replaceWith(page);
                });
    }

    private void treeDone(Throwable failure) {
        synchronized (this) {
            treeRunning = false;
            long now = System.currentTimeMillis();
            if (failure == null) {
                treeFailures = 0;
                treeDueAt = treeAgain ? now : now + ctx.config().poll().folders().toMillis();
                treeAgain = false;
            } else {
                if (failure instanceof SyncStateLostException) {
                    // The tree's link is gone: read the tree again (folder upserts are idempotent; the folders'
                    // own links are untouched).
                    treeLink = null;
                    treeLinkIsNext = false;
                    treeDueAt = now;
                } else {
                    treeFailures++;
                    treeDueAt = now + backoffMillis(treeFailures);
                }
            }
        }
        afterRound(failure, "the folder list");
        schedule();
    }

    // ---------------------------------------------------------------- a folder's messages

    private synchronized boolean readsFromScratch(FolderState folder) {
        return folder.nextLink != null ? folder.fullRound : folder.deltaLink == null;
    }

    /** One round of a folder, page by page; answers whether it changed anything. */
    private Uni<Boolean> folderRound(FolderState folder) {
        String resumeFrom;
        String startFrom;
        Long resumedRound;
        boolean full;
        synchronized (this) {
            resumeFrom = folder.nextLink;
            resumedRound = folder.round;
            startFrom = folder.deltaLink;
            full = resumeFrom != null ? folder.fullRound : startFrom == null;
            // A folder's very first read from scratch has nothing older to remove; any other may (a resumed round, a
            // restart after a lost link, a re-read after a lost delta link). Skipping it saves a refresh and a
            // delete-by-query per folder, which is most of what linking many small mailboxes costs the engine.
            folder.removeNotSeenAtEnd = full && (resumeFrom != null || folder.firstRoundDone || folder.messagesIndexed > 0);
        }
        if (resumeFrom != null && resumedRound != null) {
            // A round cut short (crash, lost lease, failure) goes on from its next link, with its own number.
            return pages(folder, resumedRound, full, fetch(folder, resumeFrom), false);
        }
        // A new round: its snapshot is taken by its first request, which no other round of the mailbox overlaps.
        return roundStart.run(() -> takeRound().chain(round -> fetch(folder, startFrom)
                        .map(page -> new StartedRound(round, page))))
                .chain(started -> pages(folder, started.round(), full, Uni.createFrom().item(started.page()), false));
    }

    private record StartedRound(long round, DeltaPage page) {
    }

    private Uni<DeltaPage> fetch(FolderState folder, String link) {
        FolderRef ref;
        synchronized (this) {
            ref = new FolderRef(folder.id, folder.name);
        }
        int pageSize = ctx.config().pageSize();
        return call(session -> provider.messageDelta(session, ref, link, pageSize));
    }

    private Uni<Boolean> pages(FolderState folder, long round, boolean full, Uni<DeltaPage> current, boolean changedSoFar) {
        return current.chain(page -> {
            // The next page is fetched while this one is written: the link is known, only storing it must wait.
            Uni<DeltaPage> next = page.roundComplete() ? null : fetch(folder, page.link()).memoize().indefinitely();
            if (next != null) {
                next.subscribe().with(ignored -> {
                }, ignored -> {
                });
            }
            return writes.run(() -> applyMessagePage(folder, round, full, page)).chain(changed -> {
                if (changed == null) {
                    return Uni.createFrom().item(changedSoFar); // the folder was removed meanwhile
                }
                return page.roundComplete() ? Uni.createFrom().item(changedSoFar || changed)
                        : pages(folder, round, full, next, changedSoFar || changed);
            });
        });
    }

    /** Writes one page and stores its link; answers whether it changed the mirror (null: folder removed). */
    private Uni<Boolean> applyMessagePage(FolderState folder, long round, boolean full, DeltaPage page) {
        boolean incremental;
        String folderName;
        synchronized (this) {
            if (stopped) {
                return Uni.createFrom().failure(new LeaseLostException());
            }
            if (folder.removed) {
                return Uni.createFrom().nullItem();
            }
            incremental = folder.firstRoundDone && !full;
            folderName = folder.name;
        }
        List<MailboxChange> changes = stamped(page.changes(), folderName);
        int upserts = (int) changes.stream().filter(Upserted.class::isInstance).count();
        Uni<Map<String, MessageDoc>> before = incremental
                ? ctx.queries().messages(id, changes.stream().map(MailboxSync::messageId).distinct().toList())
                : Uni.createFrom().item(Map.of());
        return before.chain(previous -> ctx.writer().apply(id, round, changes)
                .chain(result -> page.roundComplete() && full && folder.removeNotSeenAtEnd
                        ? ctx.writer().removeNotSeen(id, folder.id, round, Refresh.NONE).map(removed -> result)
                        : Uni.createFrom().item(result))
                .chain(result -> {
                    boolean complete = page.roundComplete();
                    SyncStore.FolderCheckpoint checkpoint = complete
                            ? new SyncStore.FolderCheckpoint(folder.id, page.link(), null, null, false, true,
                            incremental ? 0 : upserts)
                            : new SyncStore.FolderCheckpoint(folder.id, folder.deltaLink, page.link(), round, full,
                            folder.firstRoundDone, incremental ? 0 : upserts);
                    return ctx.store().saveFolder(ctx.owner(), id, checkpoint).chain(saved -> {
                        if (!saved) {
                            return folder.removed ? Uni.createFrom().nullItem()
                                    : Uni.createFrom().failure(new LeaseLostException());
                        }
                        synchronized (this) {
                            folder.deltaLink = checkpoint.deltaLink();
                            folder.nextLink = checkpoint.nextLink();
                            folder.round = checkpoint.round();
                            folder.fullRound = checkpoint.fullRound();
                            folder.firstRoundDone = checkpoint.firstRoundDone();
                            folder.messagesIndexed += checkpoint.indexedNow();
                        }
                        List<JsonObject> events = incremental
                                ? MirrorEvents.messageChanges(changes, result, previous)
                                : upserts > 0 ? List.of(MirrorEvents.indexed(folder.id, upserts)) : List.of();
                        boolean changed = result.written() + result.deleted() > 0;
                        if (incremental && result.deleted() > 0) {
                            // A message left this folder: if it moved, its new folder tells us so; ask it now rather
                            // than at its next poll, so a moved row reappears at once.
                            othersDueNow(folder);
                        }
                        return publish(events).invoke(() -> progress(complete)).replaceWith(changed);
                    });
                }));
    }

    private void othersDueNow(FolderState moved) {
        synchronized (this) {
            long now = System.currentTimeMillis();
            folders.values().stream().filter(f -> f != moved).forEach(f -> {
                f.dueAt = Math.min(f.dueAt, now);
                f.again |= f.running;
            });
        }
        ctx.vertx().runOnContext(ignored -> schedule());
    }

    /** Stamps {@code syncedAt} and the folder's current name (it may have been renamed since the page was asked for). */
    private static List<MailboxChange> stamped(List<MailboxChange> changes, String folderName) {
        Instant now = Instant.now();
        List<MailboxChange> stamped = new ArrayList<>(changes.size());
        for (MailboxChange change : changes) {
            if (change instanceof Upserted(MessageDoc d)) {
                stamped.add(new Upserted(new MessageDoc(d.accountId(), d.address(), d.messageId(), d.folderId(),
                        folderName, d.subject(), d.fromName(), d.fromAddress(), d.to(), d.cc(), d.receivedAt(),
                        d.sentAt(), d.isRead(), d.flagStatus(), d.importance(), d.categories(), d.hasAttachments(),
                        d.bodyPreview(), d.conversationId(), d.internetMessageId(), d.lastModified(), now)));
            } else {
                stamped.add(change);
            }
        }
        return stamped;
    }

    private static String messageId(MailboxChange change) {
        return switch (change) {
            case Upserted upserted -> upserted.doc().messageId();
            case MailboxChange.RemovedFromFolder removed -> removed.messageId();
            default -> throw new IllegalStateException("a message delta gave " + change);
        };
    }

    private void folderDone(FolderState folder, boolean changed, Throwable failure) {
        Uni<Void> persist = Uni.createFrom().voidItem();
        synchronized (this) {
            roundsRunning--;
            folder.running = false;
            long now = System.currentTimeMillis();
            if (failure == null) {
                folder.failuresInRow = 0;
                // Notifications (when they work) say when something changed: polling is then only a safety net.
                long max = (subscribed ? ctx.config().notifications().pollMax()
                        : folder.isInbox() ? ctx.config().poll().inboxMax() : ctx.config().poll().max()).toMillis();
                long min = ctx.config().poll().min().toMillis();
                folder.intervalMillis = changed ? min : Math.min(max, Math.max(min, folder.intervalMillis * 2));
                folder.dueAt = folder.again ? now : now + folder.intervalMillis;
            } else if (failure instanceof SyncStateLostException) {
                // A next link gone: start the round again from the stored delta link; a delta link gone: read the
                // folder from scratch and remove at the end what is no longer there.
                if (folder.nextLink != null) {
                    folder.nextLink = null;
                    folder.round = null;
                    folder.fullRound = false;
                } else {
                    folder.deltaLink = null;
                }
                folder.failuresInRow++;
                folder.dueAt = folder.failuresInRow > 1 ? now + backoffMillis(folder.failuresInRow) : now;
                persist = ctx.store().saveFolder(ctx.owner(), id, new SyncStore.FolderCheckpoint(folder.id,
                        folder.deltaLink, null, null, false, folder.firstRoundDone, 0)).replaceWithVoid();
                LOG.infof("mailbox %s folder %s: the provider no longer knows its delta link; %s", id, folder.id,
                        folder.deltaLink == null ? "reading it again from scratch" : "restarting the round");
            } else if (failure instanceof ResourceGoneException) {
                // The folder was deleted: the folder tree says so and removes it; until then, leave it.
                folder.dueAt = Long.MAX_VALUE;
                treeDueAt = now;
            } else {
                folder.failuresInRow++;
                folder.dueAt = now + backoffMillis(folder.failuresInRow);
            }
        }
        boolean stateLost = failure instanceof SyncStateLostException || failure instanceof ResourceGoneException;
        persist.subscribe().with(ignored -> {
            afterRound(stateLost ? null : failure, "folder " + folder.id);
            schedule();
        }, persistFailure -> {
            afterRound(persistFailure, "folder " + folder.id);
            schedule();
        });
    }

    /** After any round: relink and lease problems stop the mailbox; other failures are shown until a round succeeds. */
    private void afterRound(Throwable failure, String what) {
        if (failure instanceof MailboxNeedsRelinkException) {
            synchronized (this) {
                needsRelink = true;
                error = "Outlook no longer accepts Postroom's access: link the mailbox again.";
            }
            progress(true);
            ctx.onNeedsRelink().accept(id);
            return;
        }
        if (failure instanceof LeaseLostException || failure instanceof MailboxGate.GateClosedException) {
            ctx.onLeaseLost().accept(id);
            return;
        }
        String message = failure == null ? null : describe(failure);
        boolean changed;
        synchronized (this) {
            changed = !Objects.equals(error, message);
            error = message;
        }
        if (failure != null) {
            LOG.warnf("mailbox %s: %s failed (%s); trying again later", id, what, message);
        }
        if (changed) {
            ctx.store().saveError(ctx.owner(), id, message).subscribe().with(ignored -> {
            }, ignored -> {
            });
        }
        if (!finishInitialIfComplete()) {
            progress(changed);
        }
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * Once the tree and every folder finished a first round, makes the first copy searchable and only then marks the
     * initial sync done: pages show "100 %" and list the mail from that progress event on, so the list must not be
     * empty for a refresh interval. Until then every progress event still says "initial".
     */
    private boolean finishInitialIfComplete() {
        synchronized (this) {
            if (initialDone || finishingInitial || !treeKnown || folders.values().stream().anyMatch(f -> !f.firstRoundDone)) {
                return false;
            }
            finishingInitial = true;
        }
        ctx.indices().refresh().onFailure().recoverWithNull().subscribe().with(ignored -> {
            synchronized (this) {
                if (stopped) {
                    return; // the lease went meanwhile: the next owner finishes it
                }
                initialDone = true;
            }
            ctx.store().markInitialDone(ctx.owner(), id).subscribe().with(done -> {
            }, failed -> {
            });
            progress(true);
        });
        return true;
    }

    private long backoffMillis(int failuresInRow) {
        long min = ctx.config().limits().backoffMin().toMillis();
        long max = ctx.config().limits().backoffMax().toMillis();
        long capped = Math.min(max, min << Math.min(20, failuresInRow));
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    // ---------------------------------------------------------------- progress and events

    /** The provider asked this mailbox to wait: tell the pages (Outlook asked us to wait N s). */
    private void pausedUntil(long until) {
        progress(true);
    }

    SyncStateDoc state() {
        synchronized (this) {
            int done = (int) folders.values().stream().filter(f -> f.firstRoundDone).count();
            long indexed = folders.values().stream().mapToLong(f -> f.messagesIndexed).sum();
            long estimated = folders.values().stream().mapToLong(f -> f.totalCount).sum();
            String phase = needsRelink ? "needs_relink"
                    : gate.pausedUntil() > System.currentTimeMillis() ? "waiting"
                    : initialDone ? "incremental" : "initial";
            return new SyncStateDoc(id, address, phase, done, folders.size(), indexed,
                    initialDone ? Math.max(indexed, estimated) : estimated, Instant.now(), error);
        }
    }

    /** Publishes progress (at most every 250 ms unless forced) and saves the state document (at most every second). */
    private void progress(boolean force) {
        long now = System.currentTimeMillis();
        boolean saveDoc;
        synchronized (this) {
            if (!force && now - lastProgressAt < PROGRESS_EVERY_MILLIS) {
                if (!progressPending) {
                    progressPending = true;
                    ctx.vertx().setTimer(PROGRESS_EVERY_MILLIS, ignored -> {
                        synchronized (this) {
                            progressPending = false;
                        }
                        progress(true);
                    });
                }
                return;
            }
            lastProgressAt = now;
            saveDoc = force || now - lastStateDocAt >= STATE_DOC_EVERY_MILLIS;
            if (saveDoc) {
                lastStateDocAt = now;
            }
        }
        SyncStateDoc state = state();
        Uni<Void> save = saveDoc ? ctx.writer().saveState(state, Refresh.NONE) : Uni.createFrom().voidItem();
        save.chain(() -> ctx.events().publish(topic, MirrorEvents.progress(state, gate.pausedUntil())))
                .subscribe().with(ignored -> {
                }, failure -> LOG.debugf("mailbox %s: progress not published (%s)", id, failure.toString()));
    }

    /** Events go out in order; a failure to publish never fails the sync (the mirror is the truth, events a hint). */
    private Uni<Void> publish(List<JsonObject> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return ctx.events().publishAll(topic, events).onFailure().recoverWithItem(failure -> {
            LOG.debugf("mailbox %s: %d events not published (%s)", id, events.size(), failure.toString());
            return null;
        });
    }

    /** This instance no longer holds the mailbox's lease. */
    static final class LeaseLostException extends RuntimeException {
        LeaseLostException() {
            super("the lease on the mailbox was lost", null, false, false);
        }
    }
}
