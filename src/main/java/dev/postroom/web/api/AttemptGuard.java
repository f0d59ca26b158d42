package dev.postroom.web.api;

import dev.postroom.account.AttemptLimiter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.Optional;
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
        return waitBeforeAttempt(action, http).flatMap(wait -> wait.isEmpty() ? work.get()
                : Uni.createFrom().item(Problem.of(429, "Too Many Requests",
                                "too many " + action + " attempts from this address; try again in " + wait.get() + " s")
                        .response().header("Retry-After", wait.get()).build()));
    }

    /**
     * Counts one attempt of the client: empty when it may go ahead, else the seconds to wait. For the pages, which
     * answer a refusal with HTML instead of a problem.
     */
    public Uni<Optional<Long>> waitBeforeAttempt(String action, HttpServerRequest http) {
        return limiter.attempt(action, clientIp(http))
                .onFailure().transform(failure -> {
                    LOG.warnf("answering 503 to a %s attempt: the rate limiter is unavailable (%s)", action, failure.getMessage());
                    return new ServiceUnavailableException("attempts can't be counted right now (Redis is unavailable); try again shortly");
                })
                .map(decision -> decision.allowed() ? Optional.<Long>empty()
                        : Optional.of(Math.max(1, (decision.retryAfter().toMillis() + 999) / 1000)));
    }

    /** The client's IP (behind a proxy: the forwarded one, when quarkus.http.proxy.* says to trust it). */
    private static String clientIp(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
