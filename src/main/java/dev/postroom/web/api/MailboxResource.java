package dev.postroom.web.api;

import dev.postroom.account.AccountService;
import dev.postroom.account.LinkedMailbox;
import dev.postroom.account.LinkedMailboxes;
import dev.postroom.account.MailboxNotFoundException;
import dev.postroom.account.OutlookLinking;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MessageDoc;
import dev.postroom.outbound.InvalidRequestException;
import dev.postroom.search.MirrorQueries;
import dev.postroom.sync.SyncService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Linked mailboxes of the calling user: start linking Outlook, list, look at one, sign in again, unlink; and their
 * mirror: messages (with full-text search), folders, sync state, sync now.
 */
@Path("/api/mailboxes")
@ApiKeyProtected
@Tag(name = "Mailboxes")
@SecurityRequirement(name = "apiKey")
@Produces(MediaType.APPLICATION_JSON)
public class MailboxResource {

    /** Elasticsearch's result window: (page) x (limit) may not reach beyond it. */
    static final int MAX_WINDOW = MirrorQueries.MAX_WINDOW;
    static final int MAX_LIMIT = 100;

    private final OutlookLinking linking;
    private final LinkedMailboxes mailboxes;
    private final SyncService sync;
    private final CurrentCaller caller;

    public MailboxResource(OutlookLinking linking, LinkedMailboxes mailboxes, SyncService sync, CurrentCaller caller) {
        this.linking = linking;
        this.mailboxes = mailboxes;
        this.sync = sync;
        this.caller = caller;
    }

    /** A message of the mirror as the API shows it. */
    public record Message(String id, String folderId, String folderName, String subject, String fromName,
            String fromAddress, List<String> to, List<String> cc, Instant receivedAt, Instant sentAt, boolean isRead,
            String flagStatus, String importance, List<String> categories, boolean hasAttachments, String bodyPreview,
            String conversationId, String internetMessageId, Instant lastModified) {

        static Message of(MessageDoc doc) {
            return new Message(doc.messageId(), doc.folderId(), doc.folderName(), doc.subject(), doc.fromName(),
                    doc.fromAddress(), doc.to(), doc.cc(), doc.receivedAt(), doc.sentAt(), doc.isRead(),
                    doc.flagStatus(), doc.importance(), doc.categories(), doc.hasAttachments(), doc.bodyPreview(),
                    doc.conversationId(), doc.internetMessageId(), doc.lastModified());
        }
    }

    public record MessageList(List<Message> data, int page, int limit, long total) {
    }

    public record Folder(String id, String name, String parentId, String wellKnownName, int totalCount, int unreadCount) {

        static Folder of(FolderDoc doc) {
            return new Folder(doc.folderId(), doc.name(), doc.parentId(), doc.wellKnownName(), doc.totalCount(),
                    doc.unreadCount());
        }
    }

    public record FolderList(List<Folder> data) {
    }

    public record SyncRequested(UUID mailboxId, String status) {
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

    @GET
    @Path("/{id}/messages")
    @Operation(summary = "Messages of a linked mailbox, newest first",
            description = "From the mirror in Elasticsearch. q: full text over subject, sender name and address and the "
                    + "preview (all words must match); folder: a folder id; unread=true: unread only.")
    @APIResponse(responseCode = "400", description = "page or limit out of range")
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<MessageList> messages(@PathParam("id") UUID id,
            @Parameter(description = "A folder id (see /folders)") @QueryParam("folder") String folder,
            @Parameter(description = "Full-text search") @QueryParam("q") String q,
            @QueryParam("unread") @DefaultValue("false") boolean unread,
            @QueryParam("page") @DefaultValue("1") int page,
            @QueryParam("limit") @DefaultValue("25") int limit) {
        if (page < 1) {
            throw new InvalidRequestException("page", "must be 1 or more");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_LIMIT);
        }
        if ((long) page * limit > MAX_WINDOW) {
            throw new InvalidRequestException("page", "page x limit may not exceed " + MAX_WINDOW + "; narrow the search");
        }
        return sync.messages(userId(), id, blankToNull(folder), blankToNull(q), unread, page - 1, limit)
                .map(found -> new MessageList(found.messages().stream().map(Message::of).toList(), page, limit,
                        found.total()));
    }

    @GET
    @Path("/{id}/folders")
    @Operation(summary = "Folders of a linked mailbox, with their counts")
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<FolderList> folders(@PathParam("id") UUID id) {
        return sync.folders(userId(), id).map(all -> new FolderList(all.stream().map(Folder::of).toList()));
    }

    @GET
    @Path("/{id}/sync")
    @Operation(summary = "How the mailbox's sync stands",
            description = "phase: initial (first copy in progress), incremental (following changes), waiting (Outlook "
                    + "asked us to wait), needs_relink (sign in again). Progress counts folders and messages.")
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<SyncService.SyncStatus> syncStatus(@PathParam("id") UUID id) {
        return sync.status(userId(), id);
    }

    @POST
    @Path("/{id}/sync")
    @Operation(summary = "Sync now", description = "Runs every folder's delta now, on whichever instance syncs the mailbox.")
    @APIResponse(responseCode = "202", content = @Content(schema = @Schema(implementation = SyncRequested.class)))
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<Response> syncNow(@PathParam("id") UUID id) {
        return sync.syncNow(userId(), id)
                .map(ignored -> Response.accepted(new SyncRequested(id, "requested")).build());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Unlink a mailbox", description = "Stops its sync and removes its mirror and its tokens.")
    @APIResponse(responseCode = "204", description = "Unlinked")
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    public Uni<Response> unlink(@PathParam("id") UUID id) {
        return sync.unlink(userId(), id).map(ignored -> Response.noContent().build());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private UUID userId() {
        return AccountService.userId(caller.get()); // a service key: 403
    }
}
