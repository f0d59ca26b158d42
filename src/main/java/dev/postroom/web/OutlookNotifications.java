package dev.postroom.web;

import dev.postroom.sync.SyncEngine;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Microsoft Graph's change notifications and lifecycle events. Graph first checks the URL with a
 * {@code validationToken}, which is echoed as text/plain; afterwards it POSTs {@code {"value":[...]}} and wants a 2xx
 * within 3 s, so the answer is 202 at once and the work (a sync of the mailbox) happens after. A notification is only
 * a hint that something changed; one that does not carry its subscription's client state is ignored.
 */
@Path("/webhooks/outlook")
@Tag(name = "Webhooks")
public class OutlookNotifications {

    private static final Logger LOG = Logger.getLogger(OutlookNotifications.class);

    private final SyncEngine engine;

    public OutlookNotifications(SyncEngine engine) {
        this.engine = engine;
    }

    @POST
    @Path("/notifications")
    @Operation(summary = "Change notifications from Microsoft Graph (not for API clients)")
    public Response notifications(@QueryParam("validationToken") String validationToken, String body) {
        return receive(validationToken, body);
    }

    @POST
    @Path("/lifecycle")
    @Operation(summary = "Lifecycle events from Microsoft Graph (not for API clients)")
    public Response lifecycle(@QueryParam("validationToken") String validationToken, String body) {
        return receive(validationToken, body);
    }

    private Response receive(String validationToken, String body) {
        if (validationToken != null) {
            return Response.ok(validationToken, MediaType.TEXT_PLAIN).build();
        }
        JsonArray value;
        try {
            value = body == null ? null : new JsonObject(body).getJsonArray("value");
        } catch (DecodeException | ClassCastException e) {
            value = null;
        }
        if (value == null) {
            return Response.status(Response.Status.BAD_REQUEST).build();
        }
        // One sync per subscription, however many changes the batch lists.
        Map<String, JsonObject> bySubscription = new LinkedHashMap<>();
        for (Object item : value) {
            if (item instanceof JsonObject notification && notification.getValue("subscriptionId") instanceof String id) {
                bySubscription.merge(id, notification, (first, later) -> later.containsKey("lifecycleEvent") ? later : first);
            }
        }
        bySubscription.forEach((subscriptionId, notification) -> engine.notified(subscriptionId,
                        notification.getString("clientState"), notification.getString("lifecycleEvent"))
                .subscribe().with(ignored -> {
                }, failure -> LOG.warnf("a change notification could not be handled (%s); polling catches up",
                        failure.toString())));
        return Response.accepted().build();
    }
}
