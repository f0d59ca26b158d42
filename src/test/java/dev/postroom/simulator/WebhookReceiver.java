package dev.postroom.simulator;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A notification endpoint for the subscription tests, served by the app under test: answers Graph's validation
 * handshake (endpoints whose name starts with "refuse" refuse it) and keeps every notification body it receives.
 */
@Path("/test-webhooks/{name}")
public class WebhookReceiver {

    static final Map<String, List<String>> RECEIVED = new ConcurrentHashMap<>();

    @POST
    public Response receive(@PathParam("name") String name, @QueryParam("validationToken") String validationToken, String body) {
        if (validationToken != null) {
            if (name.startsWith("refuse")) {
                return Response.status(403).build();
            }
            return Response.ok(validationToken, "text/plain").build();
        }
        RECEIVED.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(body);
        return Response.accepted().build();
    }

    static List<String> received(String name) {
        return RECEIVED.getOrDefault(name, List.of());
    }
}
