package dev.postroom.web.api;

import dev.postroom.outbound.QueueUnavailableException;
import dev.postroom.outbound.RateLimiter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Applies the per-key rate limit to {@link RateLimited} resources: 429 with {@code Retry-After} when over it, and the
 * {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset} headers on every answer.
 */
public class RateLimitFilter {

    private static final String DECISION = RateLimitFilter.class.getName();

    private final RateLimiter limiter;
    private final CurrentCaller caller;

    public RateLimitFilter(RateLimiter limiter, CurrentCaller caller) {
        this.limiter = limiter;
        this.caller = caller;
    }

    @RateLimited
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 100)
    public Uni<Response> limit(ContainerRequestContext request) {
        return limiter.acquire(caller.get().keyId())
                .onFailure().transform(failure -> new QueueUnavailableException("Redis", failure))
                .map(decision -> {
                    request.setProperty(DECISION, decision);
                    if (decision.allowed()) {
                        return null;
                    }
                    long seconds = Math.max(1, (decision.reset().toMillis() + 999) / 1000);
                    Response.ResponseBuilder response = Problem.of(429, "Too Many Requests",
                            "the rate limit of " + decision.limit() + " emails per window is used up; try again in "
                                    + seconds + " s").response().header("Retry-After", seconds);
                    headers(decision).forEach(response::header);
                    return response.build();
                });
    }

    @RateLimited
    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(DECISION) instanceof RateLimiter.Decision decision && decision.allowed() && !decision.unlimited()) {
            headers(decision).forEach((name, value) -> response.getHeaders().putSingle(name, value));
        }
    }

    private static java.util.Map<String, Object> headers(RateLimiter.Decision decision) {
        return java.util.Map.of(
                "RateLimit-Limit", decision.limit(),
                "RateLimit-Remaining", decision.remaining(),
                "RateLimit-Reset", Math.max(0, (decision.reset().toMillis() + 999) / 1000));
    }
}
