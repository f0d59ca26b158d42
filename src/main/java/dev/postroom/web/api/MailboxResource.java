package dev.postroom.web.api;

import dev.postroom.account.AccountService;
import dev.postroom.account.LinkedMailbox;
import dev.postroom.account.LinkedMailboxes;
import dev.postroom.account.MailboxNotFoundException;
import dev.postroom.account.OutlookLinking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Linked mailboxes of the calling user: start linking Outlook, list, look at one, sign in again. */
@Path("/api/mailboxes")
@ApiKeyProtected
@Tag(name = "Mailboxes")
@SecurityRequirement(name = "apiKey")
@Produces(MediaType.APPLICATION_JSON)
public class MailboxResource {

    private final OutlookLinking linking;
    private final LinkedMailboxes mailboxes;
    private final CurrentCaller caller;

    public MailboxResource(OutlookLinking linking, LinkedMailboxes mailboxes, CurrentCaller caller) {
        this.linking = linking;
        this.mailboxes = mailboxes;
        this.caller = caller;
    }

    /** {@code returnTo}: where the browser lands after linking; {@code loginHint}: the address to pre-fill. */
    public record LinkRequest(String returnTo, String loginHint) {
    }

    public record Authorization(String authorizationUrl) {
    }

    /** A linked mailbox. {@code relinkUrl} is there when the person must sign in again (status needs_relink). */
    public record Mailbox(UUID id, String provider, String address, String displayName, String status,
            Instant linkedAt, String relinkUrl) {

        static Mailbox of(LinkedMailbox mailbox) {
            return new Mailbox(mailbox.id(), mailbox.provider(), mailbox.address(), mailbox.displayName(),
                    mailbox.status().value(), mailbox.linkedAt(),
                    mailbox.status() == LinkedMailbox.Status.ACTIVE ? null : "/api/mailboxes/" + mailbox.id() + "/relink");
        }
    }

    public record MailboxList(List<Mailbox> data) {
    }

    @POST
    @Path("/outlook")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start linking an Outlook mailbox",
            description = "Returns the Microsoft sign-in URL to open in the browser (OAuth 2.0 authorization code with "
                    + "PKCE; valid for 10 minutes, once). After consent the browser comes back to "
                    + "/oauth/outlook/callback and lands on returnTo (or /) with ?linked=<mailbox id>.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Authorization.class)))
    @APIResponse(responseCode = "400", description = "returnTo is not allowed")
    @APIResponse(responseCode = "403", description = "The caller is not a local user (a service key)")
    @APIResponse(responseCode = "503", description = "Outlook or the token vault is not configured")
    public Uni<Authorization> linkOutlook(LinkRequest request) {
        LinkRequest body = request == null ? new LinkRequest(null, null) : request;
        return linking.start(userId(), body.returnTo(), body.loginHint()).map(url -> new Authorization(url.toString()));
    }

    @GET
    @Operation(summary = "The caller's linked mailboxes")
    public Uni<MailboxList> list() {
        return mailboxes.list(userId()).map(all -> new MailboxList(all.stream().map(Mailbox::of).toList()));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One of the caller's linked mailboxes")
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<Mailbox> get(@PathParam("id") UUID id) {
        UUID userId = userId();
        return mailboxes.find(userId, id)
                .map(found -> found.map(Mailbox::of).orElseThrow(() -> new MailboxNotFoundException(id)));
    }

    @POST
    @Path("/{id}/relink")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sign in again to a linked mailbox",
            description = "For a mailbox whose status is needs_relink (Microsoft no longer accepts its refresh token): "
                    + "the sign-in URL to open, with the mailbox's address pre-filled.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Authorization.class)))
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<Authorization> relink(@PathParam("id") UUID id, LinkRequest request) {
        String returnTo = request == null ? null : request.returnTo();
        return linking.relink(userId(), id, returnTo).map(url -> new Authorization(url.toString()));
    }

    private UUID userId() {
        return AccountService.userId(caller.get()); // a service key: 403
    }
}
