package dev.postroom.web.api;

import dev.postroom.account.AccountService;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.UUID;

/** Sign-in, the current user, sign-out: {@code /api/session}. */
@Path("/api/session")
@Tag(name = "Accounts")
public class SessionResource {

    private final AccountService accounts;
    private final AttemptGuard guard;
    private final SessionCookie sessionCookie;
    private final CurrentCaller caller;

    public SessionResource(AccountService accounts, AttemptGuard guard, SessionCookie sessionCookie, CurrentCaller caller) {
        this.accounts = accounts;
        this.guard = guard;
        this.sessionCookie = sessionCookie;
        this.caller = caller;
    }

    public record SignInRequest(String email, String password) {
    }

    /** The signed-in user. */
    public record Me(UUID id, String email) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sign in", description = "Checks email and password and sets the postroom_session cookie (14 days).")
    @APIResponse(responseCode = "200", description = "Signed in", content = @Content(schema = @Schema(implementation = Me.class)))
    @APIResponse(responseCode = "401", description = "Wrong email or password (the same answer for both)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "Too many sign-in attempts from this address; see Retry-After")
    public Uni<Response> signIn(SignInRequest body, @Context HttpServerRequest http) {
        SignInRequest request = body == null ? new SignInRequest(null, null) : body;
        return guard.attempt("sign-in", http, () -> accounts.signIn(request.email(), request.password())
                .map(signedIn -> Response.ok(new Me(signedIn.account().id(), signedIn.account().email()))
                        .cookie(sessionCookie.of(signedIn.session().token(), signedIn.session().expiresAt()))
                        .build()));
    }

    @GET
    @ApiKeyProtected
    @Produces(MediaType.APPLICATION_JSON)
    @SecurityRequirement(name = "apiKey")
    @Operation(summary = "The signed-in user", description = "By session cookie or by a personal API key.")
    @APIResponse(responseCode = "200", description = "The user", content = @Content(schema = @Schema(implementation = Me.class)))
    @APIResponse(responseCode = "401", description = "Not signed in")
    @APIResponse(responseCode = "403", description = "An operator's service key: it has no account")
    public Uni<Me> me() {
        return accounts.account(caller.get()).map(account -> new Me(account.id(), account.email()));
    }

    @DELETE
    @ApiKeyProtected
    @SecurityRequirement(name = "apiKey")
    @Operation(summary = "Sign out", description = "Ends the session of the cookie and clears the cookie. "
            + "With the cookie, send 'X-Requested-With' (or come from Postroom's own origin).")
    @APIResponse(responseCode = "204", description = "Signed out")
    @APIResponse(responseCode = "401", description = "Not signed in (the cookie is cleared all the same)")
    @APIResponse(responseCode = "403", description = "Cookie without X-Requested-With or a same-origin Origin")
    public Uni<Response> signOut(@Parameter(hidden = true) @CookieParam(SessionCookie.NAME) String sessionToken) {
        return accounts.signOut(sessionToken)
                .map(ignored -> Response.noContent().cookie(sessionCookie.cleared()).build());
    }
}
