package dev.postroom.simulator;

import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pages where a person acts on simulated mailboxes like in Outlook: list and create mailboxes; in a mailbox, see
 * folders with counts and messages, mark read or unread, flag, move, delete, receive new mail, generate many
 * messages. Plain forms that POST and redirect back (303); elements carry stable ids and data attributes
 * ({@code data-message-id}, {@code data-folder-id}) for browser tests.
 */
@Path("/simulator/mailboxes")
@Blocking
@Tag(name = "Outlook simulator")
public class SimulatorPages {

    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;
    private static final DateTimeFormatter RECEIVED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private final OutlookSimulator simulator;

    public SimulatorPages(OutlookSimulator simulator) {
        this.simulator = simulator;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance list(@QueryParam("notice") String notice) {
        List<SimulatorTemplates.MailboxRow> rows = simulator.mailboxes().stream()
                .map(m -> new SimulatorTemplates.MailboxRow(m.address(), m.displayName(), m.personal(),
                        simulator.messageCount(m.address()), base(m.address())))
                .toList();
        return SimulatorTemplates.mailboxes(new SimulatorTemplates.MailboxesPage(rows, notice));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@FormParam("address") String address, @FormParam("displayName") String displayName,
            @FormParam("personal") String personal) {
        MailboxInfo mailbox = simulator.createMailbox(address, displayName, "true".equals(personal) || "on".equals(personal));
        return back(mailbox.address(), null, "Mailbox created.");
    }

    @GET
    @Path("{address}")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance mailbox(@PathParam("address") String address, @QueryParam("folder") String folder,
            @QueryParam("limit") Integer limit, @QueryParam("notice") String notice) {
        MailboxInfo mailbox = simulator.mailbox(address).orElseThrow(() -> GraphException.notFound("mailbox " + address));
        String currentId = simulator.folderId(address, folder == null || folder.isBlank() ? SimMailbox.INBOX : folder);
        List<SimFolder> folders = simulator.folders(address);
        Map<String, SimFolder> byId = new HashMap<>();
        folders.forEach(f -> byId.put(f.id(), f));
        List<SimulatorTemplates.FolderRow> rows = new ArrayList<>();
        List<SimulatorTemplates.FolderOption> destinations = new ArrayList<>();
        SimulatorTemplates.FolderRow current = null;
        for (SimFolder f : folders) {
            int depth = 0;
            for (SimFolder parent = byId.get(f.parentFolderId()); parent != null; parent = byId.get(parent.parentFolderId())) {
                depth++;
            }
            SimulatorTemplates.FolderRow row = new SimulatorTemplates.FolderRow(f.id(), f.displayName(), String.valueOf(depth),
                    f.unreadItemCount(), f.totalItemCount(), f.id().equals(currentId),
                    base(mailbox.address()) + "?folder=" + encode(f.id()), f.wellKnownName() != null);
            rows.add(row);
            destinations.add(new SimulatorTemplates.FolderOption(f.id(), "\u00a0\u00a0".repeat(depth) + f.displayName()));
            if (row.selected()) {
                current = row;
            }
        }
        if (current == null) {
            throw GraphException.notFound("folder " + folder + " (the root has no page of its own)");
        }
        Map<String, String> names = new HashMap<>();
        folders.forEach(f -> names.put(f.id(), f.displayName()));
        List<SimMessage> messages = new ArrayList<>(simulator.messagesIn(address, currentId));
        messages.sort(Comparator.comparing(SimMessage::receivedDateTime).reversed().thenComparing(SimMessage::id));
        int shown = Math.min(messages.size(), limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(limit, MAX_LIMIT)));
        List<SimulatorTemplates.MessageRow> messageRows = messages.subList(0, shown).stream()
                .map(m -> new SimulatorTemplates.MessageRow(m.id(), m.subject().isEmpty() ? "(no subject)" : m.subject(),
                        m.from().name() + " <" + m.from().address() + ">", names.get(m.parentFolderId()),
                        RECEIVED.format(m.receivedDateTime()), m.isRead(), m.isFlagged(), m.flagStatus()))
                .toList();
        return SimulatorTemplates.mailbox(new SimulatorTemplates.MailboxPage(mailbox, base(mailbox.address()), rows, current,
                messageRows, shown, messages.size(), destinations, notice));
    }

    /** New mail in a folder (the Inbox by default), unread, received now. */
    @POST
    @Path("{address}/messages")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response newMail(@PathParam("address") String address, @FormParam("subject") String subject,
            @FormParam("from") String from, @FormParam("folder") String folder) {
        String sender = from == null || from.isBlank() ? "Simulated Sender <sender@example.org>" : from;
        String target = folder == null || folder.isBlank() ? SimMailbox.INBOX : folder;
        SimMessage message = simulator.addMessage(address, target, NewMessage.of(subject, sender, address));
        return back(address, message.parentFolderId(), "New mail arrived.");
    }

    @POST
    @Path("{address}/generate")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response generate(@PathParam("address") String address, @FormParam("count") int count,
            @FormParam("seed") @DefaultValue("1") long seed, @FormParam("folder") String folder) {
        int generated = simulator.generateMessages(address, count, seed);
        return back(address, folder, generated + " messages generated.");
    }

    @POST
    @Path("{address}/folders")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createFolder(@PathParam("address") String address, @FormParam("displayName") String displayName,
            @FormParam("parent") String parent) {
        SimFolder folder = simulator.createFolder(address, parent == null || parent.isBlank() ? null : parent, displayName);
        return back(address, folder.id(), "Folder created.");
    }

    @POST
    @Path("{address}/messages/{id}/read")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response read(@PathParam("address") String address, @PathParam("id") String id, @FormParam("read") boolean read) {
        SimMessage message = simulator.markRead(address, id, read);
        return back(address, message.parentFolderId(), read ? "Marked as read." : "Marked as unread.");
    }

    @POST
    @Path("{address}/messages/{id}/flag")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response flag(@PathParam("address") String address, @PathParam("id") String id,
            @FormParam("flagStatus") String flagStatus) {
        SimMessage message = simulator.flag(address, id, flagStatus);
        return back(address, message.parentFolderId(), "Flag: " + flagStatus + ".");
    }

    @POST
    @Path("{address}/messages/{id}/move")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response move(@PathParam("address") String address, @PathParam("id") String id,
            @FormParam("destination") String destination) {
        String from = simulator.message(address, id).parentFolderId();
        simulator.move(address, id, destination);
        return back(address, from, "Moved.");
    }

    @POST
    @Path("{address}/messages/{id}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response delete(@PathParam("address") String address, @PathParam("id") String id) {
        String from = simulator.message(address, id).parentFolderId();
        simulator.delete(address, id);
        return back(address, from, "Deleted.");
    }

    @ServerExceptionMapper
    public Response error(GraphException e) {
        return Response.status(e.status()).type(MediaType.TEXT_HTML_TYPE)
                .entity("<!DOCTYPE html><title>Outlook simulator</title><h1>" + e.status() + "</h1><p id=\"error\">"
                        + escape(e.getMessage()) + "</p><p><a href=\"/simulator/mailboxes\">Mailboxes</a></p>")
                .build();
    }

    @ServerExceptionMapper
    public Response invalid(IllegalArgumentException e) {
        return error(GraphException.badRequest(e.getMessage()));
    }

    private static Response back(String address, String folder, String notice) {
        String uri = base(address) + "?" + (folder == null || folder.isBlank() ? "" : "folder=" + encode(folder) + "&")
                + "notice=" + encode(notice);
        return Response.seeOther(URI.create(uri)).build();
    }

    private static String base(String address) {
        return "/simulator/mailboxes/" + encode(address);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
