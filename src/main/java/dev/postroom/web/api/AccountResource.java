package dev.postroom.web.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.postroom.account.AccountService;
import dev.postroom.account.OutlookLinking;
import dev.postroom.account.TokenVaultNotConfiguredException;
import dev.postroom.provider.ProviderNotConfiguredException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.UUID;

/** Sign-up: {@code POST /api/accounts}. */
@Path("/api/accounts")
@Tag(name = "Accounts")
public class AccountResource {

    private final AccountService accounts;
    private final AttemptGuard guard;
    private final SessionCookie sessionCookie;
    private final OutlookLinking linking;

    public AccountResource(AccountService accounts, AttemptGuard guard, SessionCookie sessionCookie, OutlookLinking linking) {
        this.linking = linking;
        this.accounts = accounts;
        this.guard = guard;
        this.sessionCookie = sessionCookie;
    }

    /** The body of a sign-up; {@code returnTo} is where the browser goes after linking a mailbox (optional). */
    public record SignUpRequest(String email, String password, String returnTo) {
    }

    /**
     * A new account, its first API key (shown this once), the validated returnTo, if one was given, and the URL that
     * links an Outlook mailbox (the brief's one-call flow; absent when linking is not configured).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AccountCreated(UUID id, String email, ApiKeyResource.KeyCreated apiKey, String returnTo,
            String authorizationUrl) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a local account",
            description = "Creates the account, signs it in (sets the postroom_session cookie) and returns a first "
                    + "personal API key named 'default'. The key is shown only in this answer: store it now. "
                    + "authorizationUrl, when present, links an Outlook mailbox: open it in the browser; after "
                    + "consent the browser lands on returnTo (or /) with ?linked=<mailbox id>.")
    @APIResponse(responseCode = "201", description = "Created and signed in",
            content = @Content(schema = @Schema(implementation = AccountCreated.class)))
    @APIResponse(responseCode = "400", description = "Invalid email, password (10 to 200 characters) or returnTo: the problem names each field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "An account with this email already exists")
    @APIResponse(responseCode = "429", description = "Too many sign-ups from this address; see Retry-After")
    public Uni<Response> signUp(SignUpRequest body, @Context HttpServerRequest http) {
        SignUpRequest request = body == null ? new SignUpRequest(null, null, null) : body;
        return guard.attempt("sign-up", http, () -> accounts.signUp(request.email(), request.password(), request.returnTo())
                .chain(created -> authorizationUrl(created).map(url -> Response.status(Response.Status.CREATED)
                        .entity(new AccountCreated(created.account().id(), created.account().email(),
                                ApiKeyResource.KeyCreated.of(created.apiKey()), created.returnTo(), url))
                        .cookie(sessionCookie.of(created.session().token(), created.session().expiresAt()))
                        .build())));
    }

    /**
     * Starts linking Outlook for the new user, with the returnTo in the link's state. The account exists either way:
     * when linking is not configured (no client id or vault key), the answer just has no authorizationUrl and
     * {@code POST /api/mailboxes/outlook} says what is missing.
     */
    private Uni<String> authorizationUrl(AccountService.SignedUp created) {
        return linking.start(created.account().id(), created.returnTo(), null)
                .map(URI::toString)
                .onFailure(failure -> failure instanceof TokenVaultNotConfiguredException
                        || failure instanceof ProviderNotConfiguredException)
                .recoverWithNull();
    }
}
