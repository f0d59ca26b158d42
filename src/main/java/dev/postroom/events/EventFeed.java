package dev.postroom.events;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The receiving side of {@link EventPublisher}: pages follow a topic through this.
 *
 * <p>One instance holds <em>one</em> Redis pub/sub subscription to {@link EventPublisher#CHANNEL}, opened when the
 * first page follows a topic, and fans each event out to the followers of its topic on this instance. A follower has
 * a bounded buffer: one that does not keep up (a slow browser) is ended, never waited for, so it cannot hold back
 * the others; its browser reconnects with {@code Last-Event-ID} and catches up from the stream.
 *
 * <p>{@link #follow} first replays what the topic's stream holds after the given id, then continues live without a
 * gap and without repeating an event: it listens live <em>before</em> reading the stream, holds live events back
 * while it replays, then lets through only events newer than the last one sent (stream ids order a topic's events).
 *
 * <p>When the subscription is lost (Redis restarted, connection dropped), every follower of this instance is ended:
 * their pages reconnect with their last event id, which subscribes again and replays what was missed meanwhile.
 */
@ApplicationScoped
public class EventFeed {

    /** Events a follower may have waiting before it counts as too slow and is ended. */
    static final int FOLLOWER_BUFFER = 1_000;
    /** The type of the event that tells a page to load afresh: what it missed is no longer kept. */
    public static final String RESET = "reset";
    private static final int BACKLOG_PAGE = 500;
    private static final Logger LOG = Logger.getLogger(EventFeed.class);

    private final Redis redis;
    private final Map<String, Set<Follower>> followers = new ConcurrentHashMap<>();
    /** The shared subscription: completes once Redis confirmed it; null while there is none. Guarded by this. */
    private Uni<Void> subscription;
    private RedisConnection connection;

    public EventFeed(Redis redis) {
        this.redis = redis;
    }

    /**
     * The events of {@code topic} after {@code lastEventId} (exclusive) that the stream still holds, then the live
     * ones, in stream order. Without a valid {@code lastEventId}, only live events. Ends when the subscription is
     * lost; fails when Redis can't be reached or the follower falls {@value #FOLLOWER_BUFFER} events behind.
     */
    public Multi<Event> follow(String topic, String lastEventId) {
        String after = StreamIds.isValid(lastEventId) ? lastEventId : null;
        return Multi.createFrom().<Event>emitter(emitter -> {
                    Follower follower = new Follower(emitter, after);
                    followers.computeIfAbsent(topic, t -> ConcurrentHashMap.newKeySet()).add(follower);
                    emitter.onTermination(() -> forget(topic, follower));
                    subscribed()
                            .chain(() -> after == null ? Uni.createFrom().item(List.<Event>of()) : replay(topic, after))
                            .subscribe().with(follower::caughtUp, emitter::fail);
                })
                // The bound of a follower that caught up; Mutiny fails the stream when it overflows.
                .onOverflow().buffer(FOLLOWER_BUFFER);
    }

    /** The id of the newest event the topic's stream holds ({@link StreamIds#BEGINNING} when none): where a page starts. */
    public Uni<String> lastId(String topic) {
        return redis.send(Request.cmd(Command.XREVRANGE).arg(Topics.streamKey(topic)).arg("+").arg("-").arg("COUNT").arg(1))
                .map(entries -> entries == null || entries.size() == 0 ? StreamIds.BEGINNING : entries.get(0).get(0).toString());
    }

    /**
     * A position {@code ago} before now (Redis's clock, the clock of stream ids): following a topic from there
     * replays what it published in that time. For pages whose first view comes from a source that lags behind the
     * events, like a search index between refreshes.
     */
    public Uni<String> idAgo(Duration ago) {
        return redis.send(Request.cmd(Command.TIME)).map(time -> StreamIds.before(
                time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000 - ago.toMillis()));
    }

    private void forget(String topic, Follower follower) {
        followers.computeIfPresent(topic, (t, set) -> {
            set.remove(follower);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * What the topic published after {@code after}, oldest first; or, when the stream may no longer hold all of it
     * (trimmed to {@link EventPublisher#KEPT_PER_TOPIC} past {@code after}, or gone {@link EventPublisher#KEPT_FOR}
     * after its last event), one {@value #RESET} event instead: the page must load afresh, as replaying would skip
     * changes. Its id is the newest the topic had, so the page resumes from there.
     */
    private Uni<List<Event>> replay(String topic, String after) {
        return redis.send(Request.cmd(Command.XINFO).arg("STREAM").arg(Topics.streamKey(topic)))
                .map(info -> {
                    // Entries older than the oldest kept one are gone if the stream was trimmed (entries-added is
                    // Redis 7; before, a full stream is taken as trimmed) or expired and began again since.
                    Response added = infoField(info, "entries-added");
                    long length = infoField(info, "length").toLong();
                    boolean trimmed = added != null ? added.toLong() > length : length >= EventPublisher.KEPT_PER_TOPIC;
                    Response first = infoField(info, "first-entry");
                    boolean behind = first != null && StreamIds.compare(first.get(0).toString(), after) > 0;
                    return behind && (trimmed || olderThanKept(after))
                            ? infoField(info, "last-generated-id").toString() : null;
                })
                .onFailure(failure -> String.valueOf(failure.getMessage()).contains("no such key"))
                // No stream: nothing was ever published, or it expired a day after its last event.
                .recoverWithItem(() -> olderThanKept(after) ? StreamIds.before(System.currentTimeMillis()) : null)
                .chain(resetId -> resetId == null ? backlog(topic, after)
                        : Uni.createFrom().item(List.of(new Event(resetId, topic, new JsonObject().put("type", RESET)))));
    }

    /** Whether events after {@code after} may have expired with their stream (the beginning is never too old). */
    private static boolean olderThanKept(String after) {
        return !StreamIds.BEGINNING.equals(after)
                && StreamIds.millis(after) < System.currentTimeMillis() - EventPublisher.KEPT_FOR.toMillis();
    }

    /** A field of an XINFO STREAM answer (a map with RESP3, name/value pairs with RESP2); null when absent. */
    private static Response infoField(Response info, String name) {
        if (!info.getKeys().isEmpty()) {
            return info.get(name);
        }
        for (int i = 0; i + 1 < info.size(); i += 2) {
            if (name.equals(info.get(i).toString())) {
                return info.get(i + 1);
            }
        }
        return null;
    }

    /** What the stream holds after {@code after}, oldest first, read a page at a time. */
    private Uni<List<Event>> backlog(String topic, String after) {
        return backlogFrom(topic, after, new ArrayList<>());
    }

    private Uni<List<Event>> backlogFrom(String topic, String after, List<Event> collected) {
        Request range = Request.cmd(Command.XRANGE).arg(Topics.streamKey(topic)).arg("(" + after).arg("+")
                .arg("COUNT").arg(BACKLOG_PAGE);
        return redis.send(range).chain(entries -> {
            int count = entries == null ? 0 : entries.size();
            for (int i = 0; i < count; i++) {
                Response entry = entries.get(i);
                collected.add(new Event(entry.get(0).toString(), topic, new JsonObject(field(entry.get(1), "e"))));
            }
            return count < BACKLOG_PAGE ? Uni.createFrom().item(collected)
                    : backlogFrom(topic, collected.getLast().id(), collected);
        });
    }

    private static String field(Response fields, String name) {
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if (name.equals(fields.get(i).toString())) {
                return fields.get(i + 1).toString();
            }
        }
        throw new IllegalStateException("a stream entry without its '" + name + "' field");
    }

    /**
     * Completes once this instance's subscription is confirmed by Redis (opening it if needed): from then on, a
     * {@link #follow} without a last event id misses nothing published after it started.
     */
    public Uni<Void> connected() {
        return subscribed();
    }

    private synchronized Uni<Void> subscribed() {
        if (subscription == null) {
            subscription = subscribe().onFailure().invoke(this::subscribeFailed).memoize().indefinitely();
        }
        return subscription;
    }

    private Uni<Void> subscribe() {
        return redis.connect().chain(opened -> {
            synchronized (this) {
                connection = opened;
            }
            opened.handler(this::dispatch);
            opened.exceptionHandler(failure -> lost(opened, failure));
            opened.endHandler(() -> lost(opened, null));
            // The reply to SUBSCRIBE is Redis's confirmation: from then on every PUBLISH reaches us.
            return opened.send(Request.cmd(Command.SUBSCRIBE).arg(EventPublisher.CHANNEL))
                    .onFailure().call(failure -> opened.close())
                    .invoke(() -> LOG.debugf("subscribed to %s", EventPublisher.CHANNEL))
                    .replaceWithVoid();
        });
    }

    private synchronized void subscribeFailed(Throwable failure) {
        LOG.debugf("could not subscribe to live events: %s", failure.toString());
        subscription = null;
        connection = null;
    }

    /** One pub/sub message, {@code <topic> <stream id> <json>}, to the followers of its topic on this instance. */
    private void dispatch(Response message) {
        if (message.size() != 3 || !"message".equals(message.get(0).toString())) {
            return; // subscribe confirmations and other pushes
        }
        String payload = message.get(2).toString();
        int afterTopic = payload.indexOf(' ');
        int afterId = afterTopic < 0 ? -1 : payload.indexOf(' ', afterTopic + 1);
        if (afterId < 0) {
            LOG.debugf("ignoring a malformed live event on %s", EventPublisher.CHANNEL);
            return;
        }
        Set<Follower> topicFollowers = followers.get(payload.substring(0, afterTopic));
        if (topicFollowers == null) {
            return; // nobody here follows it: not even parsed
        }
        Event event = new Event(payload.substring(afterTopic + 1, afterId), payload.substring(0, afterTopic),
                new JsonObject(payload.substring(afterId + 1)));
        topicFollowers.forEach(follower -> follower.live(event));
    }

    private void lost(RedisConnection lostConnection, Throwable failure) {
        synchronized (this) {
            if (connection != lostConnection) {
                return; // an older connection's late news
            }
            connection = null;
            subscription = null;
        }
        LOG.warnf("live events: the Redis subscription was lost (%s); %d page(s) of this instance will reconnect",
                failure == null ? "connection closed" : failure.toString(), followers.values().stream().mapToInt(Set::size).sum());
        lostConnection.close().subscribe().with(ignored -> { }, ignored -> { });
        followers.values().forEach(set -> set.forEach(Follower::end));
    }

    @PreDestroy
    void close() {
        RedisConnection closing;
        synchronized (this) {
            closing = connection;
            connection = null;
            subscription = null;
        }
        // Outside the lock: closing runs the connection's end handler (lost), which takes this lock on an event loop
        // while that thread holds the connection's own lock, which close() waits for.
        if (closing != null) {
            closing.close().subscribe().with(ignored -> { }, ignored -> { });
        }
    }

    /** One page following one topic: live events wait while the backlog is replayed, then pass once, in order. */
    private static final class Follower {

        private final MultiEmitter<? super Event> emitter;
        /** The newest id sent (or the page's Last-Event-ID): anything not after it is a repeat. */
        private String lastSent;
        /** Live events held back while the backlog is read; null once caught up. */
        private List<Event> waiting = new ArrayList<>();

        Follower(MultiEmitter<? super Event> emitter, String lastEventId) {
            this.emitter = emitter;
            this.lastSent = lastEventId;
        }

        synchronized void live(Event event) {
            if (waiting == null) {
                send(event);
            } else if (waiting.size() < FOLLOWER_BUFFER) {
                waiting.add(event);
            } else {
                emitter.fail(new IllegalStateException("fell more than " + FOLLOWER_BUFFER + " events behind while catching up"));
            }
        }

        synchronized void caughtUp(List<Event> backlog) {
            backlog.forEach(this::send);
            waiting.forEach(this::send);
            waiting = null;
        }

        void end() {
            emitter.complete();
        }

        private void send(Event event) {
            if (lastSent == null || StreamIds.compare(event.id(), lastSent) > 0) {
                lastSent = event.id();
                emitter.emit(event);
            }
        }
    }
}
