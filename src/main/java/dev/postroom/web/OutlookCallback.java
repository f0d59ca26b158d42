package dev.postroom.web;

import dev.postroom.account.LinkStateException;
import dev.postroom.account.OutlookLinking;
import dev.postroom.account.TokenVaultNotConfiguredException;
import dev.postroom.provider.Advice;
import dev.postroom.provider.AuthorizationFailedException;
import dev.postroom.provider.ProviderNotConfiguredException;
import dev.postroom.provider.ProviderUnavailableException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestQuery;

import java.net.URI;

/**
 * Where Microsoft sends the browser back after sign-in: {@code ?code&state} completes the link and redirects (303)
 * to returnTo with {@code ?linked=<id>}; {@code ?error&error_description&state}, a bad state or a refused code render
 * a page that says what happened and what to do. Never a stack trace.
 */
@Path("/oauth/outlook/callback")
public class OutlookCallback {

    private static final Logger LOG = Logger.getLogger(OutlookCallback.class);

    /** What the failure page shows. {@code code} and {@code details} are for support; {@code backTo} is a link. */
    public record Failure(String title, String whatHappened, String whatToDo, String code, String details, String backTo) {

        static Failure of(Advice advice, String details, String backTo) {
            // The description arrives in the query string, so anyone can craft one: shown escaped, short, as details.
            String shown = details == null || details.length() <= 400 ? details : details.substring(0, 400) + "…";
            return new Failure(advice.title(), advice.whatHappened(), advice.whatToDo(), advice.code(), shown, backTo);
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance failed(Failure failure);
    }

    private final OutlookLinking linking;

    public OutlookCallback(OutlookLinking linking) {
        this.linking = linking;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> callback(@RestQuery String code, @RestQuery String state, @RestQuery String error,
            @RestQuery("error_description") String errorDescription) {
        if (error != null && !error.isBlank()) {
            return linking.fail(state, error, errorDescription)
                    .map(failed -> page(400, Failure.of(failed.advice(), errorDescription, failed.backTo())));
        }
        return linking.complete(state, code)
                .map(linked -> Response.seeOther(URI.create(linked.redirectTo())).build())
                .onFailure().recoverWithItem(this::failurePage);
    }

    private Response failurePage(Throwable failure) {
        if (failure instanceof LinkStateException bad) {
            String whatHappened = switch (bad.reason()) {
                case MISSING, UNKNOWN -> "This sign-in answer does not belong to a link started in Postroom, so it "
                        + "was not accepted. This happens when the address was changed or copied, or when the link "
                        + "was started more than a day ago.";
                case EXPIRED -> "The link was started more than 10 minutes ago; for your safety it has expired.";
                case USED -> "This sign-in answer was already used (a reloaded or bookmarked page, or the back button). "
                        + "A link can be completed only once.";
            };
            return page(400, new Failure("This link can't be completed", whatHappened,
                    "Start linking again from Postroom. If the mailbox was linked already, it is in your mailboxes.",
                    "state_" + bad.reason().name().toLowerCase(), null, "/"));
        }
        if (failure instanceof AuthorizationFailedException refused) {
            return page(400, Failure.of(linking.explain(refused), refused.description(), "/"));
        }
        if (failure instanceof ProviderUnavailableException) {
            LOG.warnf("Outlook link failed: %s", failure.getMessage());
            return page(502, new Failure("Microsoft could not be reached",
                    "Postroom could not complete the sign-in with Microsoft: the service did not answer as expected.",
                    "Wait a minute and link again.", "provider_unavailable", null, "/"));
        }
        if (failure instanceof TokenVaultNotConfiguredException || failure instanceof ProviderNotConfiguredException) {
            LOG.warnf("Outlook link failed: %s", failure.getMessage());
            return page(503, new Failure("Linking mailboxes is not set up on this Postroom",
                    "Postroom is missing configuration it needs to link mailboxes: " + failure.getMessage() + ".",
                    "Tell the administrator of this Postroom.", "not_configured", null, "/"));
        }
        // No token is ever in an exception of ours (they are Secrets), so the trace is safe to log.
        LOG.error("Outlook link failed unexpectedly", failure);
        return page(500, new Failure("Something went wrong",
                "Postroom could not complete linking the mailbox because of an error on our side.",
                "Try linking again in a moment. If it keeps failing, tell the administrator.", "internal_error",
                null, "/"));
    }

    private static Response page(int status, Failure failure) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(Templates.failed(failure).render()).build();
    }
}
