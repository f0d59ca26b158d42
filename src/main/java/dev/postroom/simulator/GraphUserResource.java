package dev.postroom.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code GET /v1.0/me} (who the access token speaks for) and {@code POST /v1.0/me/sendMail}. */
@Path("/simulator/graph/v1.0/me")
@Blocking
@Tag(name = "Outlook simulator")
public class GraphUserResource {

    private final GraphCaller caller;
    private final MailboxRegistry mailboxes;
    private final SimulatorUrls urls;

    public GraphUserResource(GraphCaller caller, MailboxRegistry mailboxes, SimulatorUrls urls) {
        this.caller = caller;
        this.mailboxes = mailboxes;
        this.urls = urls;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> me(@HeaderParam("Authorization") String authorization, @QueryParam("$select") String select) {
        SimMailbox mailbox = caller.mailbox(authorization);
        Set<String> selected = GraphJson.select(GraphJson.Kind.USER, select);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", urls.graphV1() + "/$metadata#users"
                + (selected == null ? "" : "(" + GraphJson.selectText(selected) + ")") + "/$entity");
        body.putAll(GraphJson.user(mailbox.info(), selected));
        return body;
    }

    /**
     * Sends a message: a copy in the sender's Sent Items (unless {@code saveToSentItems} is false) and, for each
     * recipient that is a simulated mailbox, a copy in its Inbox. Other recipients are accepted and go nowhere.
     */
    @POST
    @Path("sendMail")
    @Consumes(MediaType.WILDCARD)
    public Response sendMail(@HeaderParam("Authorization") String authorization, String text) {
        SimMailbox sender = caller.mailbox(authorization);
        JsonNode body = caller.body(text);
        JsonNode message = body.get("message");
        if (message == null || !message.isObject()) {
            throw GraphException.badRequest("The 'message' property is required.");
        }
        List<Recipient> to = recipients(message.get("toRecipients"));
        List<Recipient> cc = recipients(message.get("ccRecipients"));
        List<Recipient> bcc = recipients(message.get("bccRecipients"));
        if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) {
            throw new GraphException(400, "ErrorInvalidRecipients", "At least one recipient is not valid., A message can't be sent because it contains no recipients.");
        }
        String subject = message.path("subject").asText("");
        String content = message.path("body").path("content").asText("");
        Recipient from = new Recipient(sender.info().displayName(), sender.address());
        String importance = message.hasNonNull("importance") ? message.get("importance").asText().toLowerCase(Locale.ROOT) : null;
        if (body.path("saveToSentItems").asBoolean(true)) {
            sender.add(SimMailbox.SENT_ITEMS, new NewMessage(subject, from, to, cc, content, null, true, null, importance,
                    null, false, false));
        }
        Set<String> delivered = new LinkedHashSet<>();
        List<Recipient> everyone = new ArrayList<>(to);
        everyone.addAll(cc);
        everyone.addAll(bcc);
        for (Recipient recipient : everyone) {
            mailboxes.byAddress(recipient.address())
                    .filter(mailbox -> delivered.add(mailbox.id()))
                    .ifPresent(mailbox -> mailbox.add(SimMailbox.INBOX, new NewMessage(subject, from, to, cc, content,
                            null, false, null, importance, null, false, false)));
        }
        return Response.accepted().build();
    }

    private static List<Recipient> recipients(JsonNode list) {
        List<Recipient> recipients = new ArrayList<>();
        if (list != null && list.isArray()) {
            for (JsonNode entry : list) {
                JsonNode address = entry.path("emailAddress");
                String value = address.path("address").asText(null);
                if (value == null || !value.contains("@")) {
                    throw new GraphException(400, "ErrorInvalidRecipients", "At least one recipient is not valid.");
                }
                recipients.add(new Recipient(address.path("name").asText(null), value));
            }
        }
        return recipients;
    }
}
