package dev.postroom.web.api;

import dev.postroom.account.InvalidReturnToException;
import dev.postroom.account.MailboxNeedsRelinkException;
import dev.postroom.account.MailboxNotFoundException;
import dev.postroom.account.TokenVaultException;
import dev.postroom.account.TokenVaultNotConfiguredException;
import dev.postroom.outbound.InvalidRequestException.FieldError;
import dev.postroom.provider.AuthorizationFailedException;
import dev.postroom.provider.ProviderNotConfiguredException;
import dev.postroom.provider.ProviderUnavailableException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** Problem+json answers for linked mailboxes and the token vault. */
public class MailboxProblemMappers {

    private static final Logger LOG = Logger.getLogger(MailboxProblemMappers.class);

    @ServerExceptionMapper
    public Response notFound(MailboxNotFoundException e) {
        return Problem.of(Response.Status.NOT_FOUND, e.getMessage()).response().build();
    }

    @ServerExceptionMapper
    public Response returnTo(InvalidReturnToException e) {
        return new Problem("about:blank", "Invalid request", 400, e.getMessage(),
                List.of(new FieldError("returnTo", e.getMessage()))).response().build();
    }

    @ServerExceptionMapper
    public Response vaultNotConfigured(TokenVaultNotConfiguredException e) {
        return Problem.of(503, "Service Unavailable", e.getMessage()).response().build();
    }

    @ServerExceptionMapper
    public Response providerNotConfigured(ProviderNotConfiguredException e) {
        return Problem.of(503, "Service Unavailable", e.getMessage()).response().build();
    }

    @ServerExceptionMapper
    public Response needsRelink(MailboxNeedsRelinkException e) {
        return Problem.of(409, "Sign in again", e.getMessage()).response().build();
    }

    @ServerExceptionMapper
    public Response providerUnavailable(ProviderUnavailableException e) {
        LOG.warnf("answering 502: %s", e.getMessage());
        return Problem.of(502, "Bad Gateway", e.getMessage() + "; try again shortly").response()
                .header("Retry-After", "30").build();
    }

    @ServerExceptionMapper
    public Response refused(AuthorizationFailedException e) {
        return Problem.of(502, "Bad Gateway", "the mail provider refused: " + e.error()).response().build();
    }

    @ServerExceptionMapper
    public Response vault(TokenVaultException e) {
        LOG.errorf("token vault: %s", e.getMessage());
        return Problem.of(503, "Service Unavailable", e.getMessage()).response().build();
    }
}
