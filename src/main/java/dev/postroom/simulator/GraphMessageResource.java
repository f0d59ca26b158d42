package dev.postroom.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /v1.0/me/messages/{id}}: read, change (isRead, flag, importance, categories), delete and move one message. */
@Path("/simulator/graph/v1.0/me/messages")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Outlook simulator")
public class GraphMessageResource {

    private final GraphCaller caller;
    private final SimulatorUrls urls;

    public GraphMessageResource(GraphCaller caller, SimulatorUrls urls) {
        this.caller = caller;
        this.urls = urls;
    }

    @GET
    @Path("{id}")
    public Map<String, Object> get(@HeaderParam("Authorization") String authorization, @PathParam("id") String id,
            @QueryParam("$select") String select) {
        SimMailbox mailbox = caller.mailbox(authorization);
        return entity(mailbox, mailbox.message(id), GraphJson.select(GraphJson.Kind.MESSAGE, select));
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> update(@HeaderParam("Authorization") String authorization, @PathParam("id") String id, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        JsonNode body = caller.body(text);
        Boolean isRead = null;
        String flagStatus = null;
        String importance = null;
        List<String> categories = null;
        for (Iterator<Map.Entry<String, JsonNode>> fields = body.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "isRead" -> {
                    if (!value.isBoolean()) {
                        throw GraphException.badRequest("isRead must be true or false");
                    }
                    isRead = value.asBoolean();
                }
                case "flag" -> flagStatus = value.path("flagStatus").asText(null);
                case "importance" -> importance = value.asText();
                case "categories" -> {
                    categories = new ArrayList<>();
                    for (JsonNode category : value) {
                        categories.add(category.asText());
                    }
                }
                default -> {
                    if (!field.getKey().startsWith("@")) {
                        throw new GraphException(400, "ErrorInvalidProperty", "The simulator can't change property '"
                                + field.getKey() + "' (it changes isRead, flag, importance and categories).");
                    }
                }
            }
        }
        return entity(mailbox, mailbox.update(id, isRead, flagStatus, importance, categories), null);
    }

    @DELETE
    @Path("{id}")
    public Response delete(@HeaderParam("Authorization") String authorization, @PathParam("id") String id) {
        caller.mailbox(authorization).delete(id);
        return Response.noContent().build();
    }

    /** {@code {"destinationId": folder id or well-known name}}: 201 with the message, whose id does not change. */
    @POST
    @Path("{id}/move")
    @Consumes(MediaType.WILDCARD)
    public Response move(@HeaderParam("Authorization") String authorization, @PathParam("id") String id, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        String destination = caller.body(text).path("destinationId").asText(null);
        if (destination == null || destination.isBlank()) {
            throw GraphException.badRequest("destinationId is required");
        }
        return Response.status(201).entity(entity(mailbox, mailbox.move(id, destination), null)).build();
    }

    private Map<String, Object> entity(SimMailbox mailbox, SimMessage message, java.util.Set<String> select) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", urls.graphV1() + "/$metadata#users('" + mailbox.id() + "')/messages/$entity");
        body.putAll(GraphJson.message(message, select, false));
        return body;
    }
}
