package dev.postroom.ratelimit;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * Fixed-window counting in Redis, shared by every instance, in one round trip: the script counts one event under a
 * key and returns the count and the time left in the window. The base of the API rate limits and the sign-in
 * attempt limits.
 */
@ApplicationScoped
public class FixedWindowCounter {

    private static final String SCRIPT = """
            local count = redis.call('INCR', KEYS[1])
            if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
            return {count, ttl}
            """;

    private final ReactiveRedisDataSource redis;

    public FixedWindowCounter(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** The events counted in the current window, this one included, and when the window ends. */
    public record Count(long count, Duration resetIn) {
    }

    /** Counts one event under {@code key}; fails when Redis is unreachable. */
    public Uni<Count> increment(String key, Duration window) {
        return redis.execute("EVAL", SCRIPT, "1", key, String.valueOf(window.toMillis()))
                .map(reply -> new Count(reply.get(0).toLong(), Duration.ofMillis(reply.get(1).toLong())));
    }
}
