package dev.postroom.outbound;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * A fixed-window limit per API key, counted in Redis so that every instance shares it. One round trip: the script
 * counts the request and returns the count and the window's remaining time.
 */
@ApplicationScoped
public class RateLimiter {

    private static final String SCRIPT = """
            local count = redis.call('INCR', KEYS[1])
            if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
            return {count, ttl}
            """;

    private final ReactiveRedisDataSource redis;
    private final OutboundConfig.RateLimit config;

    public RateLimiter(ReactiveRedisDataSource redis, OutboundConfig config) {
        this.redis = redis;
        this.config = config.rateLimit();
    }

    private int limitOf(String keyId) {
        String name = keyId.startsWith("key:") ? keyId.substring(4) : keyId;
        return config.perKey().getOrDefault(name, config.perWindow());
    }

    /** The verdict for one request, with what the RateLimit-* headers report. */
    public record Decision(boolean allowed, int limit, int remaining, Duration reset) {
        /** No limit applies to this key. */
        public boolean unlimited() {
            return limit == 0;
        }
    }

    /** Counts one request made with API key {@code keyId}; fails when Redis is unreachable. */
    public Uni<Decision> acquire(String keyId) {
        int limit = limitOf(keyId);
        if (limit <= 0) {
            return Uni.createFrom().item(new Decision(true, 0, 0, Duration.ZERO));
        }
        String key = "postroom:ratelimit:send:" + keyId;
        return redis.execute("EVAL", SCRIPT, "1", key, String.valueOf(config.window().toMillis()))
                .map(reply -> {
                    long count = reply.get(0).toLong();
                    long ttl = reply.get(1).toLong();
                    return new Decision(count <= limit, limit, (int) Math.max(0, limit - count), Duration.ofMillis(ttl));
                });
    }
}
