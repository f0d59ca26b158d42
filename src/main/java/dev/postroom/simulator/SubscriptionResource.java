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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code /v1.0/subscriptions}: change notifications for a mailbox's messages ({@code /me/messages}) or one
 * folder's ({@code me/mailFolders('inbox')/messages}, {@code /me/mailFolders/{id}/messages}). Creating one runs the
 * validation handshake against the notification URL (and the lifecycle URL) before answering.
 */
@Path("/simulator/graph/v1.0/subscriptions")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Outlook simulator")
public class SubscriptionResource {

    private static final Pattern RESOURCE = Pattern.compile(
            "/?(?:me|users/[^/]+)/(?:messages|mailFolders\\('([^']+)'\\)/messages|mailFolders/([^/]+)/messages)", Pattern.CASE_INSENSITIVE);
    private static final Set<String> CHANGE_TYPES = Set.of("created", "updated", "deleted");
    private static final int MAX_CLIENT_STATE = 128;

    private final GraphCaller caller;
    private final LoginService login;
    private final SubscriptionNotifier notifier;
    private final SimulatorConfig config;
    private final SimClock clock;
    private final SimulatorUrls urls;

    public SubscriptionResource(GraphCaller caller, LoginService login, SubscriptionNotifier notifier,
            SimulatorConfig config, SimClock clock, SimulatorUrls urls) {
        this.caller = caller;
        this.login = login;
        this.notifier = notifier;
        this.config = config;
        this.clock = clock;
        this.urls = urls;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response create(@HeaderParam("Authorization") String authorization, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        String clientId = login.authenticate(SimulatorGate.bearer(authorization)).clientId();
        JsonNode body = caller.body(text);
        String resource = required(body, "resource");
        Matcher matcher = RESOURCE.matcher(resource);
        if (!matcher.matches()) {
            throw new GraphException(400, "ExtensionError",
                    "Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource '" + resource
                            + "' is not supported by the simulator (use /me/messages or me/mailFolders('{id}')/messages)]");
        }
        String folder = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
        String folderId = folder == null ? null : mailbox.resolveFolder(folder);
        String changeType = changeType(required(body, "changeType"));
        String notificationUrl = url(required(body, "notificationUrl"), "notificationUrl");
        String lifecycleUrl = body.hasNonNull("lifecycleNotificationUrl")
                ? url(body.get("lifecycleNotificationUrl").asText(), "lifecycleNotificationUrl") : null;
        String clientState = body.hasNonNull("clientState") ? body.get("clientState").asText() : null;
        if (clientState != null && clientState.length() > MAX_CLIENT_STATE) {
            throw GraphException.badRequest("clientState can't be longer than " + MAX_CLIENT_STATE + " characters.");
        }
        Instant expiration = expiration(required(body, "expirationDateTime"));
        if (!notifier.validate(notificationUrl) || (lifecycleUrl != null && !notifier.validate(lifecycleUrl))) {
            throw new GraphException(400, "ValidationError",
                    "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.");
        }
        SubscriptionNotifier.Subscription subscription = notifier.add(new SubscriptionNotifier.Subscription(mailbox.info(),
                clientId, resource, folderId, changeType, notificationUrl, lifecycleUrl, clientState, expiration));
        return Response.created(URI.create(urls.graphV1() + "/subscriptions/" + subscription.id)).entity(json(subscription)).build();
    }

    @GET
    public Map<String, Object> list(@HeaderParam("Authorization") String authorization) {
        SimMailbox mailbox = caller.mailbox(authorization);
        List<Object> value = notifier.of(mailbox.id()).stream().map(s -> (Object) json(s)).toList();
        return Map.of("@odata.context", urls.graphV1() + "/$metadata#subscriptions", "value", value);
    }

    @GET
    @Path("{id}")
    public Map<String, Object> get(@HeaderParam("Authorization") String authorization, @PathParam("id") String id) {
        SimMailbox mailbox = caller.mailbox(authorization);
        return json(notifier.get(mailbox.id(), id));
    }

    /** Renews: {@code {"expirationDateTime": ...}}, at most the maximum lifetime from now. */
    @PATCH
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> renew(@HeaderParam("Authorization") String authorization, @PathParam("id") String id, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        SubscriptionNotifier.Subscription subscription = notifier.get(mailbox.id(), id);
        subscription.expiration = expiration(required(caller.body(text), "expirationDateTime"));
        return json(subscription);
    }

    @DELETE
    @Path("{id}")
    public Response delete(@HeaderParam("Authorization") String authorization, @PathParam("id") String id) {
        SimMailbox mailbox = caller.mailbox(authorization);
        notifier.remove(notifier.get(mailbox.id(), id).id);
        return Response.noContent().build();
    }

    private Map<String, Object> json(SubscriptionNotifier.Subscription subscription) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("@odata.context", urls.graphV1() + "/$metadata#subscriptions/$entity");
        json.put("id", subscription.id);
        json.put("resource", subscription.resource);
        json.put("applicationId", subscription.clientId);
        json.put("changeType", subscription.changeType);
        json.put("clientState", subscription.clientState);
        json.put("notificationUrl", subscription.notificationUrl);
        json.put("lifecycleNotificationUrl", subscription.lifecycleUrl);
        json.put("expirationDateTime", GraphJson.date(subscription.expiration));
        json.put("creatorId", subscription.mailbox.id());
        json.put("latestSupportedTlsVersion", "v1_2");
        json.put("notificationContentType", "application/json");
        return json;
    }

    private Instant expiration(String text) {
        Instant expiration;
        try {
            expiration = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw GraphException.badRequest("expirationDateTime is not an ISO 8601 date-time: " + text);
        }
        Instant now = clock.instant();
        if (!expiration.isAfter(now)) {
            throw GraphException.badRequest("Subscription expiration must be in the future.");
        }
        if (expiration.isAfter(now.plus(config.subscriptions().maxLifetime()))) {
            throw new GraphException(400, "ExtensionError", "Operation: Create; Exception: [Status Code: BadRequest; Reason: "
                    + "Subscription expiration can only be " + config.subscriptions().maxLifetime().toMinutes()
                    + " minutes in the future.]");
        }
        return expiration;
    }

    private static String changeType(String text) {
        List<String> types = Arrays.stream(text.split(",")).map(String::strip).toList();
        if (types.isEmpty() || !CHANGE_TYPES.containsAll(types)) {
            throw GraphException.badRequest("changeType must be a comma-separated list of created, updated, deleted.");
        }
        return types.stream().distinct().collect(Collectors.joining(","));
    }

    private static String url(String text, String name) {
        try {
            URI uri = URI.create(text);
            if (uri.isAbsolute() && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))) {
                return text;
            }
        } catch (IllegalArgumentException ignored) {
            // answered below
        }
        throw GraphException.badRequest(name + " must be an absolute http(s) URL.");
    }

    private static String required(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            throw GraphException.badRequest("The property '" + name + "' is required.");
        }
        return value.asText();
    }
}
