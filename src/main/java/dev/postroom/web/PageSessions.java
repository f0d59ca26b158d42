package dev.postroom.web;

import dev.postroom.account.AccountService;
import dev.postroom.account.Caller;
import dev.postroom.account.InvalidReturnToException;
import dev.postroom.account.ReturnToPolicy;
import dev.postroom.web.api.SessionCookie;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Who is signed in on a page request, by the session cookie (the same sessions as the API's). A page without one
 * sends the browser to sign in, and back afterwards. Forms that change something also pass the API's CSRF rule.
 */
@ApplicationScoped
public class PageSessions {

    /** The signed-in person a page is for. */
    public record Viewer(UUID userId, String email, Caller caller) {
        public String owner() {
            return caller.owner();
        }
    }

    private final AccountService accounts;
    private final SessionCookie sessionCookie;
    private final ReturnToPolicy returnTo;

    public PageSessions(AccountService accounts, SessionCookie sessionCookie, ReturnToPolicy returnTo) {
        this.accounts = accounts;
        this.sessionCookie = sessionCookie;
        this.returnTo = returnTo;
    }

    /** Renders {@code page} for the signed-in viewer, or sends the browser to sign in first (and back to {@code path}). */
    public Uni<Response> page(String sessionToken, String path, Function<Viewer, Uni<Response>> page) {
        return viewer(sessionToken).chain(viewer -> viewer.map(page)
                .orElseGet(() -> Uni.createFrom().item(signInFirst(path))));
    }

    /** As {@link #page}, for a form POST: refused (403) unless it comes from our own pages. */
    public Uni<Response> form(String sessionToken, HttpHeaders headers, String path, Function<Viewer, Uni<Response>> action) {
        if (!sessionCookie.fromOurPages(headers.getHeaderString("X-Requested-With"), headers.getHeaderString("Origin"))) {
            return Uni.createFrom().item(Response.status(Response.Status.FORBIDDEN).type("text/plain")
                    .entity("This form must be sent from Postroom's own pages.").build());
        }
        return page(sessionToken, path, action);
    }

    public Uni<Optional<Viewer>> viewer(String sessionToken) {
        return accounts.authenticateSession(sessionToken).chain(caller -> caller.isEmpty()
                ? Uni.createFrom().item(Optional.<Viewer>empty())
                : accounts.account(caller.get()).map(account -> Optional.of(new Viewer(account.id(), account.email(), caller.get()))));
    }

    /** Where to go after signing in: {@code next} when it is a page of ours, else the mailboxes. */
    public String afterSignIn(String next) {
        try {
            String checked = returnTo.check(next);
            return checked == null ? "/mailboxes" : checked;
        } catch (InvalidReturnToException e) {
            return "/mailboxes";
        }
    }

    public static Response signInFirst(String path) {
        return Response.seeOther(URI.create("/signin?next=" + URLEncoder.encode(path, StandardCharsets.UTF_8))).build();
    }
}
