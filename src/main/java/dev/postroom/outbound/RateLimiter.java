package dev.postroom.outbound;

import dev.postroom.ratelimit.FixedWindowCounter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * A fixed-window limit per API key, counted in Redis so that every instance shares it.
 */
@ApplicationScoped
public class RateLimiter {

    private final FixedWindowCounter counter;
    private final OutboundConfig.RateLimit config;

    public RateLimiter(FixedWindowCounter counter, OutboundConfig config) {
        this.counter = counter;
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
        return counter.increment(key, config.window())
                .map(count -> new Decision(count.count() <= limit, limit, (int) Math.max(0, limit - count.count()),
                        count.resetIn()));
    }
}
