package dev.postroom.web.api;

import dev.postroom.account.AccountService;
import dev.postroom.account.ApiKeys;
import dev.postroom.account.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;
import java.util.Set;

/**
 * Authenticates {@link ApiKeyProtected} resources: a {@code Bearer} API key (an operator's service key or a local
 * user's personal key) or, without an Authorization header, the session cookie of a signed-in user. So the pages
 * and the REST API share one notion of caller. 401 problem without either.
 *
 * <p>Cookies are sent by the browser on its own, even when another site makes the request (CSRF). So a
 * cookie-authenticated request that changes something (POST, PUT, PATCH, DELETE) must also show that our own page
 * made it: an {@code X-Requested-With} header (which a cross-site form can't set and a cross-site script can't
 * send without a CORS preflight that we don't grant) or an {@code Origin} that is ours ({@code postroom.public-url}).
 * Bearer requests are exempt: a browser never adds an Authorization header by itself.
 */
public class ApiKeyFilter {

    private static final String BEARER = "bearer ";
    private static final Set<String> UNSAFE_METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final ApiKeys apiKeys;
    private final AccountService accounts;
    private final CurrentCaller currentCaller;
    private final SessionCookie sessionCookie;

    public ApiKeyFilter(ApiKeys apiKeys, AccountService accounts, CurrentCaller currentCaller, SessionCookie sessionCookie) {
        this.apiKeys = apiKeys;
        this.accounts = accounts;
        this.currentCaller = currentCaller;
        this.sessionCookie = sessionCookie;
    }

    @ApiKeyProtected
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Cookie cookie = request.getCookies().get(SessionCookie.NAME);
        if (header == null && cookie != null && !cookie.getValue().isBlank()) {
            return bySession(request, cookie.getValue());
        }
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

    private Uni<Response> bySession(ContainerRequestContext request, String sessionToken) {
        if (UNSAFE_METHODS.contains(request.getMethod()) && !fromOurPages(request)) {
            return Uni.createFrom().item(Problem.of(Response.Status.FORBIDDEN,
                    "a request signed in by cookie that changes something needs an 'X-Requested-With' header "
                            + "or an Origin of " + sessionCookie.publicOrigin()).response().build());
        }
        return accounts.authenticateSession(sessionToken).map((Optional<Caller> caller) -> {
            if (caller.isEmpty()) {
                return Problem.of(Response.Status.UNAUTHORIZED, "the session has ended or expired: sign in again")
                        .response().header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                        .cookie(sessionCookie.cleared()).build();
            }
            currentCaller.set(caller.get());
            return null;
        });
    }

    private boolean fromOurPages(ContainerRequestContext request) {
        return sessionCookie.fromOurPages(request.getHeaderString("X-Requested-With"), request.getHeaderString("Origin"));
    }
}
