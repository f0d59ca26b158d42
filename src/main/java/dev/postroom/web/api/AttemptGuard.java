package dev.postroom.web.api;

import dev.postroom.account.AttemptLimiter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.function.Supplier;

/**
 * Runs a sign-up or sign-in only within the attempts allowed to the client's IP: 429 problem with Retry-After
 * beyond them. Without Redis the attempt is refused (503), never let through unlimited.
 */
@ApplicationScoped
public class AttemptGuard {

    private static final Logger LOG = Logger.getLogger(AttemptGuard.class);

    private final AttemptLimiter limiter;

    public AttemptGuard(AttemptLimiter limiter) {
        this.limiter = limiter;
    }

    Uni<Response> attempt(String action, HttpServerRequest http, Supplier<Uni<Response>> work) {
        return limiter.attempt(action, clientIp(http))
                .onFailure().transform(failure -> {
                    LOG.warnf("answering 503 to a %s attempt: the rate limiter is unavailable (%s)", action, failure.getMessage());
                    return new ServiceUnavailableException("attempts can't be counted right now (Redis is unavailable); try again shortly");
                })
                .flatMap(decision -> {
                    if (decision.allowed()) {
                        return work.get();
                    }
                    long seconds = Math.max(1, (decision.retryAfter().toMillis() + 999) / 1000);
                    return Uni.createFrom().item(Problem.of(429, "Too Many Requests",
                                    "too many " + action + " attempts from this address; try again in " + seconds + " s")
                            .response().header("Retry-After", seconds).build());
                });
    }

    /** The client's IP (behind a proxy: the forwarded one, when quarkus.http.proxy.* says to trust it). */
    private static String clientIp(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
