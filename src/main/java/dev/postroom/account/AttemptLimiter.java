package dev.postroom.account;

import dev.postroom.ratelimit.FixedWindowCounter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * Limits sign-up and sign-in attempts per client IP (password guessing, mass sign-ups), in a fixed window that
 * every instance shares.
 */
@ApplicationScoped
public class AttemptLimiter {

    private final FixedWindowCounter counter;
    private final AccountsConfig.Attempts config;

    public AttemptLimiter(FixedWindowCounter counter, AccountsConfig config) {
        this.counter = counter;
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
        Uni<Decision> decision = counter.increment(key, config.window())
                .map(count -> new Decision(count.count() <= limit, count.resetIn()));
        // What follows an attempt uses Hibernate Reactive, which must stay on the request's own Vert.x context.
        return context == null ? decision : decision.emitOn(command -> context.runOnContext(ignored -> command.run()));
    }
}
