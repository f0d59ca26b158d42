package dev.postroom.sync;

import dev.postroom.account.LinkedMailboxes;
import dev.postroom.account.MailboxEvents;
import dev.postroom.account.OutlookTokens;
import dev.postroom.events.EventPublisher;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.provider.MailProviders;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.MirrorWriter;
import dev.postroom.search.Refresh;
import dev.postroom.search.SearchIndices;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The instance's sync engine: takes leases on linked mailboxes that nobody syncs (up to {@code max-mailboxes}),
 * renews them, runs a {@link MailboxSync} for each, and lets go of those it loses (a mailbox unlinked, needing a
 * re-link, or taken over after this instance stalled). With several instances, each mailbox is synced by exactly one
 * at a time, and a dead instance's mailboxes are taken over once their leases run out ({@code lease.ttl}, 30 s).
 *
 * <p>Requests to sync now travel on the Redis channel {@link #CONTROL_CHANNEL} to whichever instance holds the
 * mailbox, and are also recorded in {@code linked_mailbox.sync_requested_at}, which every scan reads, so a request is
 * never lost when pub/sub is.
 */
@ApplicationScoped
public class SyncEngine {

    /** Messages: {@code sync <mailbox id>} (run every folder now) and {@code stop <mailbox id>} (unlinked). */
    public static final String CONTROL_CHANNEL = "postroom:sync:control";
    /** Where the provider POSTs change notifications and lifecycle events (see web.OutlookNotifications). */
    public static final String NOTIFICATIONS_PATH = "/webhooks/outlook/notifications";
    public static final String LIFECYCLE_PATH = "/webhooks/outlook/lifecycle";
    /** Leases taken per scan: a starting instance does not grab every free mailbox before its peers look. */
    private static final int LEASES_PER_SCAN = 200;
    private static final Logger LOG = Logger.getLogger(SyncEngine.class);

    private final SyncConfig config;
    private final SyncStore store;
    private final SearchIndices indices;
    private final MirrorWriter writer;
    private final MirrorQueries queries;
    private final EventPublisher events;
    private final OutlookTokens tokens;
    private final MailProviders providers;
    private final LinkedMailboxes mailboxes;
    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final String publicUrl;
    private final Map<UUID, MailboxSync> active = new ConcurrentHashMap<>();
    private final Map<UUID, Instant> requestsSeen = new ConcurrentHashMap<>();

    private SyncContext context;
    private long scanTimer = -1;
    private boolean scanning;
    private volatile ReactiveRedisSubscriber control;

    SyncEngine(SyncConfig config, SyncStore store, SearchIndices indices, MirrorWriter writer, MirrorQueries queries,
            EventPublisher events,
            OutlookTokens tokens, MailProviders providers, LinkedMailboxes mailboxes, ReactiveRedisDataSource redis,
            Vertx vertx, @ConfigProperty(name = "postroom.public-url") String publicUrl) {
        this.publicUrl = publicUrl.strip().replaceAll("/+$", "");
        this.config = config;
        this.store = store;
        this.indices = indices;
        this.writer = writer;
        this.queries = queries;
        this.events = events;
        this.tokens = tokens;
        this.providers = providers;
        this.mailboxes = mailboxes;
        this.redis = redis;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop().await().atMost(Duration.ofSeconds(10));
    }

    /**
     * Starts syncing as a new lease owner (a fresh id, as a new process would have). Called at start-up when
     * {@code postroom.sync.enabled}; tests call it themselves.
     */
    public synchronized void start() {
        if (context != null) {
            return;
        }
        String owner = hostName() + "-" + UUID.randomUUID().toString().substring(0, 8);
        SyncContext.Notifications notifications = config.notifications().enabled()
                ? new SyncContext.Notifications(URI.create(publicUrl + NOTIFICATIONS_PATH), URI.create(publicUrl + LIFECYCLE_PATH))
                : new SyncContext.Notifications(null, null);
        context = new SyncContext(owner, config, store, indices, writer, queries, events, tokens, vertx,
                new AsyncPermits(config.fullRoundsInParallel()), new AsyncPermits(config.requestsInParallel()),
                notifications, this::leaseLost, this::leaseLost);
        LOG.infof("sync engine started as %s", owner);
        subscribeControl();
        scanTimer = vertx.setPeriodic(1, config.lease().scan().toMillis(), ignored -> scan());
    }

    /** Stops syncing and gives every lease up; mailboxes are picked up again by whichever instance scans first. */
    public Uni<Void> stop() {
        SyncContext stopping;
        synchronized (this) {
            stopping = context;
            context = null;
            if (scanTimer != -1) {
                vertx.cancelTimer(scanTimer);
                scanTimer = -1;
            }
        }
        if (stopping == null) {
            return Uni.createFrom().voidItem();
        }
        active.values().forEach(MailboxSync::stop);
        active.clear();
        ReactiveRedisSubscriber subscriber = control;
        control = null;
        Uni<Void> unsubscribe = subscriber == null ? Uni.createFrom().voidItem()
                : subscriber.unsubscribe().onFailure().recoverWithNull().replaceWithVoid();
        return unsubscribe.chain(() -> store.releaseAll(stopping.owner()))
                .onFailure().invoke(failure -> LOG.warnf("leases of %s not released (%s); they run out by themselves",
                        stopping.owner(), failure.toString()))
                .onFailure().recoverWithNull();
    }

    /**
     * Stops like a killed process would: in-flight work is abandoned and the leases are kept until they run out, so
     * another owner takes the mailboxes over only after {@code lease.ttl}. For tests of restarts and takeovers.
     */
    public void crash() {
        synchronized (this) {
            context = null;
            if (scanTimer != -1) {
                vertx.cancelTimer(scanTimer);
                scanTimer = -1;
            }
        }
        active.values().forEach(MailboxSync::stop);
        active.clear();
        ReactiveRedisSubscriber subscriber = control;
        control = null;
        if (subscriber != null) {
            subscriber.unsubscribe().subscribe().with(ignored -> {
            }, ignored -> {
            });
        }
    }

    /** Asks whichever instance syncs the mailbox to run every folder now; durable through PostgreSQL. */
    public Uni<Void> requestSync(UUID mailboxId) {
        return mailboxes.requestSync(mailboxId)
                .chain(() -> redis.pubsub(String.class).publish(CONTROL_CHANNEL, "sync " + mailboxId)
                        .onFailure().recoverWithNull());
    }

    /**
     * A change notification or lifecycle event for a subscription: if it carries the subscription's client state, the
     * mailbox is synced now (notifications only say "something changed": the delta rounds find out what). Events
     * {@code subscriptionRemoved} and {@code reauthorizationRequired} also make the subscription be created anew.
     */
    public Uni<Void> notified(String subscriptionId, String clientState, String lifecycleEvent) {
        return store.subscriptionById(subscriptionId).chain(found -> {
            if (found.isEmpty() || !sameSecret(found.get().clientState(), clientState)) {
                LOG.debugf("notification for unknown subscription or with a wrong client state: ignored");
                return Uni.createFrom().voidItem();
            }
            UUID mailboxId = found.get().mailboxId();
            Uni<Void> renew = "subscriptionRemoved".equals(lifecycleEvent) || "reauthorizationRequired".equals(lifecycleEvent)
                    ? store.expireSubscription(mailboxId) : Uni.createFrom().voidItem();
            return renew.chain(() -> requestSync(mailboxId));
        });
    }

    private static boolean sameSecret(String expected, String given) {
        return expected != null && given != null && MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    /** Tells whichever instance syncs the mailbox to stop (it was unlinked). */
    Uni<Void> requestStop(UUID mailboxId) {
        return redis.pubsub(String.class).publish(CONTROL_CHANNEL, "stop " + mailboxId).onFailure().recoverWithNull();
    }

    /** The live state of a mailbox synced by this instance (fresher than the mirror's state document). */
    public Optional<SyncStateDoc> liveState(UUID mailboxId) {
        return Optional.ofNullable(active.get(mailboxId)).map(MailboxSync::state);
    }

    /** Whether this instance syncs the mailbox now. */
    public boolean syncsHere(UUID mailboxId) {
        return active.containsKey(mailboxId);
    }

    /**
     * Completes when this instance has the mailbox and it is quiet (no round running, nothing due), or fails after
     * {@code timeout}. For tests and benchmarks.
     */
    public Uni<Void> awaitQuiet(UUID mailboxId, Duration timeout) {
        return awaitSyncedHere(mailboxId, timeout).chain(MailboxSync::idle).ifNoItem().after(timeout).fail();
    }

    /**
     * Runs every folder of a mailbox this instance syncs now and completes when they are all done and nothing is due:
     * every change made before the call is then in the mirror. For tests and benchmarks (the API asks through
     * {@link #requestSync}, which reaches whichever instance holds the mailbox).
     */
    public Uni<Void> syncNowHere(UUID mailboxId, Duration timeout) {
        return awaitSyncedHere(mailboxId, timeout).invoke(MailboxSync::trigger).chain(MailboxSync::idle)
                .ifNoItem().after(timeout).fail();
    }

    private Uni<MailboxSync> awaitSyncedHere(UUID mailboxId, Duration timeout) {
        return Uni.createFrom().deferred(() -> {
                    MailboxSync sync = active.get(mailboxId);
                    return sync == null ? Uni.createFrom().failure(new IllegalStateException("mailbox not synced here yet"))
                            : Uni.createFrom().item(sync);
                })
                .onFailure(IllegalStateException.class).retry().withBackOff(Duration.ofMillis(50), Duration.ofMillis(200))
                .atMost(Long.MAX_VALUE)
                .ifNoItem().after(timeout).fail();
    }

    // ---------------------------------------------------------------- leases

    private void scan() {
        SyncContext ctx;
        synchronized (this) {
            ctx = context;
            if (ctx == null || scanning) {
                return;
            }
            scanning = true;
        }
        store.renew(ctx.owner(), config.lease().ttl())
                .invoke(held -> dropLost(ctx, held))
                .chain(() -> store.syncRequests(List.copyOf(active.keySet())))
                .invoke(this::triggerRequested)
                .chain(() -> store.acquire(ctx.owner(), config.lease().ttl(),
                        Math.min(LEASES_PER_SCAN, config.maxMailboxes() - active.size())))
                .chain(leased -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (SyncStore.Leased mailbox : leased) {
                        all = all.chain(() -> store.folders(mailbox.mailboxId())
                                .invoke(folders -> begin(ctx, mailbox, folders)).replaceWithVoid());
                    }
                    return all;
                })
                .subscribe().with(ignored -> scanDone(), failure -> {
                    LOG.warnf("sync lease scan failed (%s); next scan in %s", failure.toString(), config.lease().scan());
                    scanDone();
                });
    }

    private synchronized void scanDone() {
        scanning = false;
    }

    private void begin(SyncContext ctx, SyncStore.Leased leased, List<SyncStore.FolderRow> folders) {
        synchronized (this) {
            if (context != ctx) {
                return; // stopped meanwhile: the lease runs out or was released
            }
        }
        MailboxSync sync = new MailboxSync(ctx, providers.get(leased.provider()), leased, folders);
        MailboxSync previous = active.put(leased.mailboxId(), sync);
        if (previous != null) {
            previous.stop();
        }
        LOG.debugf("syncing mailbox %s here", leased.mailboxId());
        sync.start();
    }

    private void dropLost(SyncContext ctx, Set<UUID> held) {
        for (UUID mailboxId : List.copyOf(active.keySet())) {
            if (!held.contains(mailboxId)) {
                LOG.infof("mailbox %s is no longer synced here (unlinked, needs a re-link, or taken over)", mailboxId);
                stopHere(mailboxId);
            }
        }
    }

    private void triggerRequested(Map<UUID, Instant> requests) {
        requests.forEach((mailboxId, requestedAt) -> {
            Instant seen = requestsSeen.put(mailboxId, requestedAt);
            MailboxSync sync = active.get(mailboxId);
            if (seen != null && requestedAt.isAfter(seen) && sync != null) {
                sync.trigger();
            }
        });
    }

    private void leaseLost(UUID mailboxId) {
        MailboxSync sync = active.get(mailboxId);
        if (sync != null && sync.stopped()) {
            return;
        }
        stopHere(mailboxId);
        SyncContext ctx = context;
        if (ctx != null) {
            store.release(ctx.owner(), mailboxId).subscribe().with(ignored -> {
            }, ignored -> {
            });
        }
    }

    /**
     * Stops the mailbox here; if it was unlinked meanwhile, deletes its documents once more (a page written just
     * before the stop may have landed after the unlink's own deletion).
     */
    private void stopHere(UUID mailboxId) {
        MailboxSync sync = active.remove(mailboxId);
        requestsSeen.remove(mailboxId);
        if (sync == null) {
            return;
        }
        sync.stop();
        mailboxes.get(mailboxId)
                .chain(found -> found.isPresent() ? Uni.createFrom().voidItem()
                        : queries.deleteAccount(mailboxId, Refresh.NONE).replaceWithVoid())
                .subscribe().with(ignored -> {
                }, failure -> LOG.warnf("mailbox %s: cleaning up after unlinking failed (%s)", mailboxId, failure.toString()));
    }

    // ---------------------------------------------------------------- control channel

    private void subscribeControl() {
        redis.pubsub(String.class)
                .subscribe(List.of(CONTROL_CHANNEL, MailboxEvents.LINKED_CHANNEL), this::onControl,
                        this::resubscribeLater, failure -> resubscribeLater())
                .subscribe().with(subscriber -> {
                    synchronized (this) {
                        if (context == null) {
                            subscriber.unsubscribe().subscribe().with(ignored -> {
                            }, ignored -> {
                            });
                            return;
                        }
                    }
                    control = subscriber;
                }, failure -> {
                    LOG.debugf("sync control channel not subscribed (%s); scans still find requests", failure.toString());
                    resubscribeLater();
                });
    }

    private void resubscribeLater() {
        synchronized (this) {
            if (context == null) {
                return;
            }
        }
        vertx.setTimer(config.lease().scan().toMillis(), ignored -> {
            synchronized (this) {
                if (context == null) {
                    return;
                }
            }
            subscribeControl();
        });
    }

    private void onControl(String channel, String message) {
        if (MailboxEvents.LINKED_CHANNEL.equals(channel)) {
            vertx.runOnContext(ignored -> scan()); // a new mailbox: take it now rather than at the next scan
            return;
        }
        String[] parts = message.split(" ", 2);
        UUID mailboxId;
        try {
            mailboxId = UUID.fromString(parts.length == 2 ? parts[1] : "");
        } catch (IllegalArgumentException e) {
            return;
        }
        switch (parts[0]) {
            case "sync" -> Optional.ofNullable(active.get(mailboxId)).ifPresent(MailboxSync::trigger);
            case "stop" -> stopHere(mailboxId);
            default -> LOG.debugf("unknown sync control message %s", parts[0]);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "postroom";
        }
    }
}
