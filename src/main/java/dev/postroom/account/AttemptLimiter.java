package dev.postroom.account;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * Limits sign-up and sign-in attempts per client IP (password guessing, mass sign-ups): a fixed window counted in
 * Redis, so every instance shares it, in one round trip.
 */
@ApplicationScoped
public class AttemptLimiter {

    private static final String SCRIPT = """
            local count = redis.call('INCR', KEYS[1])
            if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
            return {count, ttl}
            """;

    private final ReactiveRedisDataSource redis;
    private final AccountsConfig.Attempts config;

    public AttemptLimiter(ReactiveRedisDataSource redis, AccountsConfig config) {
        this.redis = redis;
        this.config = config.attempts();
    }

    /** Allowed, or how long until the next attempt may be made. */
    public record Decision(boolean allowed, Duration retryAfter) {
    }

    /** Counts one attempt at {@code action} ("sign-in", "sign-up") from {@code clientIp}; fails when Redis is down. */
    public Uni<Decision> attempt(String action, String clientIp) {
        int limit = config.perWindow();
        if (limit <= 0) {
            return Uni.createFrom().item(new Decision(true, Duration.ZERO));
        }
        String key = "postroom:ratelimit:" + action + ":" + clientIp;
        Context context = Vertx.currentContext();
        Uni<Decision> decision = redis.execute("EVAL", SCRIPT, "1", key, String.valueOf(config.window().toMillis()))
                .map(reply -> new Decision(reply.get(0).toLong() <= limit, Duration.ofMillis(reply.get(1).toLong())));
        // What follows an attempt uses Hibernate Reactive, which must stay on the request's own Vert.x context.
        return context == null ? decision : decision.emitOn(command -> context.runOnContext(ignored -> command.run()));
    }
}
