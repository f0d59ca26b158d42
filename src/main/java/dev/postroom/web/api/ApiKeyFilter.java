package dev.postroom.web.api;

import dev.postroom.account.ApiKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Authenticates {@link ApiKeyProtected} resources: 401 problem without a valid {@code Bearer} API key. */
public class ApiKeyFilter {

    private static final String BEARER = "bearer ";

    private final ApiKeys apiKeys;
    private final CurrentCaller currentCaller;

    public ApiKeyFilter(ApiKeys apiKeys, CurrentCaller currentCaller) {
        this.apiKeys = apiKeys;
        this.currentCaller = currentCaller;
    }

    @ApiKeyProtected
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String token = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? header.substring(BEARER.length()) : null;
        return apiKeys.authenticate(token).map(caller -> {
            if (caller.isEmpty()) {
                return Problem.of(Response.Status.UNAUTHORIZED, token == null
                                ? "an API key is required: send 'Authorization: Bearer <key>'"
                                : "the API key is not valid")
                        .response().header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
            }
            currentCaller.set(caller.get());
            return null;
        });
    }
}
