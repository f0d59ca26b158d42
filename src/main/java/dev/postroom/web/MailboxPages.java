package dev.postroom.web;

import dev.postroom.account.MailboxNotFoundException;
import dev.postroom.account.OutlookLinking;
import dev.postroom.account.TokenVaultNotConfiguredException;
import dev.postroom.provider.ProviderNotConfiguredException;
import dev.postroom.web.MailboxViews.Filter;
import dev.postroom.web.MailboxViews.MailboxSummary;
import dev.postroom.web.MailboxViews.MailboxView;
import dev.postroom.web.MailboxViews.MessageList;
import dev.postroom.web.PageSessions.Viewer;
import dev.postroom.web.api.SessionCookie;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.UUID;

/**
 * The mailbox pages: the list of linked mailboxes with "Connect Outlook" (after linking, the new mailbox's first
 * sync is shown live), and each mailbox's data page (sync status, folders, the mail list with search, folder filter
 * and pages, live changes). The live parts follow {@code /events/mailboxes/{id}} (see {@code pages.js}).
 */
@Path("/mailboxes")
@Produces(MediaType.TEXT_HTML)
public class MailboxPages {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance mailboxes(Viewer viewer, List<MailboxSummary> mailboxes, UUID linked, String problem);

        static native TemplateInstance mailbox(Viewer viewer, MailboxView view);

        /** Only the mail list: what the search box, folder links and pager swap in. */
        static native TemplateInstance messages(MessageList list);

        static native TemplateInstance notFound(Viewer viewer);
    }

    private final PageSessions sessions;
    private final MailboxViews views;
    private final OutlookLinking linking;

    public MailboxPages(PageSessions sessions, MailboxViews views, OutlookLinking linking) {
        this.sessions = sessions;
        this.views = views;
        this.linking = linking;
    }

    @GET
    public Uni<Response> mailboxes(@CookieParam(SessionCookie.NAME) String session, @QueryParam("linked") UUID linked) {
        return sessions.page(session, "/mailboxes", viewer -> list(viewer, linked, null, 200));
    }

    /** "Connect Outlook": starts the OAuth flow; Microsoft (or the simulator) sends the browser back to this list. */
    @POST
    @Path("/connect")
    public Uni<Response> connect(@CookieParam(SessionCookie.NAME) String session, @Context HttpHeaders headers) {
        return sessions.form(session, headers, "/mailboxes", viewer -> linking.start(viewer.userId(), "/mailboxes", null)
                .map(url -> Response.seeOther(url).build())
                .onFailure(MailboxPages::notConfigured)
                .recoverWithUni(failure -> list(viewer, null, "Outlook can't be linked on this Postroom: "
                        + failure.getMessage() + ". Tell its administrator.", 503)));
    }

    /** "Link again" for a mailbox whose sign-in Microsoft no longer accepts: back to its data page afterwards. */
    @POST
    @Path("/{id}/relink")
    public Uni<Response> relink(@CookieParam(SessionCookie.NAME) String session, @Context HttpHeaders headers,
            @PathParam("id") UUID id) {
        return sessions.form(session, headers, "/mailboxes/" + id, viewer -> linking.relink(viewer.userId(), id, "/mailboxes/" + id)
                .map(url -> Response.seeOther(url).build())
                .onFailure(MailboxNotFoundException.class).recoverWithItem(failure -> notFound(viewer)));
    }

    @GET
    @Path("/{id}")
    public Uni<Response> mailbox(@CookieParam(SessionCookie.NAME) String session, @PathParam("id") UUID id,
            @QueryParam("folder") String folder, @QueryParam("q") String text, @QueryParam("page") @DefaultValue("1") int page) {
        Filter filter = new Filter(folder, text, page);
        return sessions.page(session, "/mailboxes/" + id, viewer -> views.mailbox(viewer.userId(), id, filter)
                .map(view -> view.map(found -> Response.ok(Templates.mailbox(viewer, found)).build())
                        .orElseGet(() -> notFound(viewer))));
    }

    @GET
    @Path("/{id}/messages")
    public Uni<Response> messages(@CookieParam(SessionCookie.NAME) String session, @PathParam("id") UUID id,
            @QueryParam("folder") String folder, @QueryParam("q") String text, @QueryParam("page") @DefaultValue("1") int page,
            @HeaderParam("X-Live-Refresh") String liveRefresh) {
        Filter filter = new Filter(folder, text, page);
        return sessions.page(session, "/mailboxes/" + id, viewer -> views.messages(viewer.userId(), id, filter)
                // htmx shows the whole page's address (so a reload or a shared link shows the same list), except
                // for the page's own refreshes while a mailbox is first read: those add nothing to the history.
                .map(list -> list.map(found -> Response.ok(Templates.messages(found))
                                .header("HX-Push-Url", liveRefresh == null ? found.pageHref(found.filter().page()) : null)
                                .build())
                        .orElseGet(() -> notFound(viewer))));
    }

    private Uni<Response> list(Viewer viewer, UUID linked, String problem, int status) {
        return views.summaries(viewer.userId())
                .map(all -> Response.status(status).entity(Templates.mailboxes(viewer, all, linked, problem)).build());
    }

    private static Response notFound(Viewer viewer) {
        return Response.status(Response.Status.NOT_FOUND).entity(Templates.notFound(viewer)).build();
    }

    private static boolean notConfigured(Throwable failure) {
        return failure instanceof TokenVaultNotConfiguredException || failure instanceof ProviderNotConfiguredException;
    }
}
