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

    /** XADD then PUBLISH in one script: subscribers never see an event that the stream lacks, and order is kept. */
    private static final String APPEND_AND_ANNOUNCE = """
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. id .. ' ' .. ARGV[1])
            return id
            """;

    private final ReactiveRedisDataSource redis;

    public EventPublisher(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** Appends and announces one event; answers its stream id. */
    public Uni<String> publish(String topic, JsonObject event) {
        return redis.getRedis().send(appendAndAnnounce(topic, event)).map(response -> response.toString());
    }

    /** The one command that appends an event to its topic's stream and announces it (also sent in batches). */
    static Request appendAndAnnounce(String topic, JsonObject event) {
        return Request.cmd(Command.EVAL).arg(APPEND_AND_ANNOUNCE).arg(1).arg(Topics.streamKey(topic))
                .arg(event.encode()).arg(KEPT_PER_TOPIC).arg(CHANNEL).arg(topic).arg(KEPT_FOR.toMillis());
    }

    /** Publishes events of one topic in order (one round trip each; pages want them in order, not in bulk). */
    public Uni<Void> publishAll(String topic, List<JsonObject> events) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (JsonObject event : events) {
            chain = chain.chain(() -> publish(topic, event)).replaceWithVoid();
        }
        return chain;
    }
}
