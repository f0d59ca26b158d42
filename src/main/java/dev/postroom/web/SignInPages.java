package dev.postroom.web;

import dev.postroom.account.AccountException;
import dev.postroom.account.AccountService;
import dev.postroom.web.api.AttemptGuard;
import dev.postroom.web.api.SessionCookie;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sign up, sign in and sign out as plain HTML forms (they work without JavaScript). The same accounts, sessions and
 * per-address attempt limits as {@code /api/accounts} and {@code /api/session}.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class SignInPages {

    /** What a form shows again after a refusal: the address typed, the problems, where to go next. */
    public record Form(String email, List<String> errors, String next) {
        static Form empty(String next) {
            return new Form("", List.of(), next);
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance signUp(Form form);

        static native TemplateInstance signIn(Form form);

        /** After sign-up: the personal API key, shown this once. */
        static native TemplateInstance welcome(String email, String apiKey);
    }

    private final AccountService accounts;
    private final AttemptGuard guard;
    private final SessionCookie sessionCookie;
    private final PageSessions sessions;

    public SignInPages(AccountService accounts, AttemptGuard guard, SessionCookie sessionCookie, PageSessions sessions) {
        this.accounts = accounts;
        this.guard = guard;
        this.sessionCookie = sessionCookie;
        this.sessions = sessions;
    }

    @GET
    @Path("signup")
    public TemplateInstance signUpForm() {
        return Templates.signUp(Form.empty(null));
    }

    @POST
    @Path("signup")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signUp(@FormParam("email") String email, @FormParam("password") String password,
            @Context HttpServerRequest http) {
        return limited("sign-up", http, errors -> Templates.signUp(new Form(email, errors, null)), () -> accounts.signUp(email, password, null)
                .map(created -> Response.ok(Templates.welcome(created.account().email(), created.apiKey().key()))
                        .cookie(sessionCookie.of(created.session().token(), created.session().expiresAt())).build())
                .onFailure(AccountException.class)
                .recoverWithItem(failure -> refused(Templates.signUp(new Form(email, problems((AccountException) failure), null)),
                        (AccountException) failure)));
    }

    @GET
    @Path("signin")
    public TemplateInstance signInForm(@QueryParam("next") String next) {
        return Templates.signIn(Form.empty(next));
    }

    @POST
    @Path("signin")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signIn(@FormParam("email") String email, @FormParam("password") String password,
            @FormParam("next") String next, @Context HttpServerRequest http) {
        return limited("sign-in", http, errors -> Templates.signIn(new Form(email, errors, next)), () -> accounts.signIn(email, password)
                .map(signedIn -> Response.seeOther(URI.create(sessions.afterSignIn(next)))
                        .cookie(sessionCookie.of(signedIn.session().token(), signedIn.session().expiresAt())).build())
                .onFailure(AccountException.class)
                .recoverWithItem(failure -> refused(Templates.signIn(new Form(email, problems((AccountException) failure), next)),
                        (AccountException) failure)));
    }

    @POST
    @Path("signout")
    public Uni<Response> signOut(@CookieParam(SessionCookie.NAME) String sessionToken, @Context HttpHeaders headers) {
        if (!sessionCookie.fromOurPages(headers.getHeaderString("X-Requested-With"), headers.getHeaderString("Origin"))) {
            return Uni.createFrom().item(Response.status(Response.Status.FORBIDDEN).type(MediaType.TEXT_PLAIN)
                    .entity("Sign out from Postroom's own pages.").build());
        }
        return accounts.signOut(sessionToken).map(ignored -> Response.seeOther(URI.create("/"))
                .cookie(sessionCookie.cleared()).build());
    }

    /** Runs {@code work} within the client's attempts; past them, the form again with how long to wait. */
    private Uni<Response> limited(String action, HttpServerRequest http, Function<List<String>, TemplateInstance> formAgain,
            Supplier<Uni<Response>> work) {
        return guard.waitBeforeAttempt(action, http).chain(wait -> wait.isEmpty() ? work.get()
                : Uni.createFrom().item(Response.status(429).header("Retry-After", wait.get())
                        .entity(formAgain.apply(List.of("Too many attempts from your address: try again in "
                                + wait.get() + " s."))).build()));
    }

    private static List<String> problems(AccountException failure) {
        return failure.errors().isEmpty() ? List.of(failure.getMessage())
                : failure.errors().stream().map(e -> e.field() + ": " + e.message()).toList();
    }

    private static Response refused(TemplateInstance form, AccountException failure) {
        int status = switch (failure.reason()) {
            case EMAIL_TAKEN -> 409;
            case BAD_CREDENTIALS -> 401;
            default -> 400;
        };
        return Response.status(status).entity(form).build();
    }
}
