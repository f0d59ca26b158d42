package dev.postroom.web;

import dev.postroom.events.EventFeed;
import dev.postroom.events.Topics;
import dev.postroom.outbound.DeliveryLog;
import dev.postroom.outbound.EmailLogRepository;
import dev.postroom.outbound.LogEntry;
import dev.postroom.web.PageSessions.Viewer;
import dev.postroom.web.api.SessionCookie;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * The send console: a form for {@code POST /send} (the page's script posts it as JSON, signed in by the session
 * cookie) and the delivery log, newest first, with today's summary; both follow {@code /events/deliveries}.
 */
@Path("/console")
@Produces(MediaType.TEXT_HTML)
public class ConsolePage {

    static final int SHOWN = 50;

    /** One email as a row of the log; {@link #TEMPLATE} is the empty row the script fills for a new email. */
    public record DeliveryRow(String id, String status, int attempts, String to, String subject, String createdAt,
            String createdText, String finishedText, String error) {

        static final DeliveryRow TEMPLATE = new DeliveryRow("", "", 0, "", "", "", "", "", "");

        static DeliveryRow of(LogEntry entry) {
            String error = entry.error() == null ? "" : (entry.error().code() == null ? "" : entry.error().code() + " ")
                    + (entry.error().message() == null ? "" : entry.error().message());
            return new DeliveryRow(entry.id().toString(), entry.status(), entry.attempts(), String.join(", ", entry.to()),
                    entry.subject(), entry.createdAt().toString(), MailboxViews.time(entry.createdAt()),
                    MailboxViews.time(entry.sentAt() != null ? entry.sentAt() : entry.failedAt()), error);
        }
    }

    public record ConsoleView(List<DeliveryRow> rows, DeliveryLog.Summary today, String lastEventId, DeliveryRow rowTemplate) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance console(Viewer viewer, ConsoleView view);

        /** Only today's summary: what the page fetches again as emails change. */
        static native TemplateInstance summary(DeliveryLog.Summary today);
    }

    private static final EmailLogRepository.Filter EVERYTHING = new EmailLogRepository.Filter(null, null, null);

    private final PageSessions sessions;
    private final DeliveryLog log;
    private final EventFeed feed;

    public ConsolePage(PageSessions sessions, DeliveryLog log, EventFeed feed) {
        this.sessions = sessions;
        this.log = log;
        this.feed = feed;
    }

    @GET
    public Uni<Response> console(@CookieParam(SessionCookie.NAME) String session) {
        // The newest event id first: the page follows from there and misses nothing that happens while it loads.
        return sessions.page(session, "/console", viewer -> feed.lastId(Topics.deliveries(viewer.owner()))
                .chain(lastEventId -> log.page(viewer.owner(), EVERYTHING, null, 0, SHOWN, null)
                        .map(page -> Response.ok(Templates.console(viewer, new ConsoleView(
                                page.entries().stream().map(DeliveryRow::of).toList(), page.today(), lastEventId,
                                DeliveryRow.TEMPLATE))).build())));
    }

    @GET
    @Path("/summary")
    public Uni<Response> summary(@CookieParam(SessionCookie.NAME) String session) {
        return sessions.page(session, "/console", viewer -> log.today(viewer.owner())
                .map(today -> Response.ok(Templates.summary(today)).build()));
    }
}
