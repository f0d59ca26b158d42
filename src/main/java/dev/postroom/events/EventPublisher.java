package dev.postroom.events;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * Publishes live events for the pages, by topic ({@link Topics}). Each event is appended to the topic's Redis stream
 * (capped in length and in time, so a page that reconnects with {@code Last-Event-ID} can catch up on what it missed,
 * and {@link EventFeed} can tell when that is no longer possible) and, in the same
 * atomic step, announced on one pub/sub channel that every instance listens to (so a page served by any instance sees
 * it at once). Stream ids order the events of a topic.
 */
@ApplicationScoped
public class EventPublisher {

    /** The pub/sub channel; each message is {@code <topic> <stream id> <event JSON>}. */
    public static final String CHANNEL = "postroom:events";
    /** How many events a topic keeps for catching up (approximately: Redis trims whole nodes). */
    public static final int KEPT_PER_TOPIC = 2_000;
    /** A topic's stream goes away this long after its last event: quiet topics cost no memory. */
    public static final Duration KEPT_FOR = Duration.ofDays(1);

    /** Most events in one call, so that a long list can't hold Redis (single-threaded) for long. */
    static final int MAX_EVENTS_PER_CALL = 256;

    /**
     * For each event in turn, XADD then PUBLISH, in one script: subscribers never see an event that the stream lacks,
     * and order is kept. KEYS are the events' stream keys; ARGV: the stream length cap, the channel, how long a stream
     * is kept, then topic and JSON of each event. Each stream's expiry is renewed once per call.
     */
    private static final String APPEND_AND_ANNOUNCE = """
            local ids, renewed = {}, {}
            for i, key in ipairs(KEYS) do
                local topic, event = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
                ids[i] = redis.call('XADD', key, 'MAXLEN', '~', ARGV[1], '*', 'e', event)
                redis.call('PUBLISH', ARGV[2], topic .. ' ' .. ids[i] .. ' ' .. event)
                if not renewed[key] then
                    renewed[key] = true
                    redis.call('PEXPIRE', key, ARGV[3])
                end
            end
            return ids
            """;

    /** An event and the topic it belongs to. */
    record Outgoing(String topic, JsonObject event) {
    }

    private final ReactiveRedisDataSource redis;

    public EventPublisher(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** Appends and announces one event; answers its stream id. */
    public Uni<String> publish(String topic, JsonObject event) {
        return redis.getRedis().send(appendAndAnnounce(List.of(new Outgoing(topic, event))))
                .map(ids -> ids.get(0).toString());
    }

    /**
     * The one command that appends events (at most {@value #MAX_EVENTS_PER_CALL}) to their topics' streams and
     * announces them, in order.
     */
    static Request appendAndAnnounce(List<Outgoing> events) {
        Request request = Request.cmd(Command.EVAL).arg(APPEND_AND_ANNOUNCE).arg(events.size());
        events.forEach(outgoing -> request.arg(Topics.streamKey(outgoing.topic())));
        request.arg(KEPT_PER_TOPIC).arg(CHANNEL).arg(KEPT_FOR.toMillis());
        events.forEach(outgoing -> request.arg(outgoing.topic()).arg(outgoing.event().encode()));
        return request;
    }

    /** Publishes events of one topic in order, up to {@value #MAX_EVENTS_PER_CALL} per round trip. */
    public Uni<Void> publishAll(String topic, List<JsonObject> events) {
        List<Outgoing> outgoing = events.stream().map(event -> new Outgoing(topic, event)).toList();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < outgoing.size(); from += MAX_EVENTS_PER_CALL) {
            List<Outgoing> chunk = outgoing.subList(from, Math.min(outgoing.size(), from + MAX_EVENTS_PER_CALL));
            chain = chain.chain(() -> redis.getRedis().send(appendAndAnnounce(chunk))).replaceWithVoid();
        }
        return chain;
    }
}
