package dev.postroom.web.api;

import dev.postroom.events.Event;
import dev.postroom.events.EventFeed;
import dev.postroom.events.Topics;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Duration;
import java.util.UUID;

/**
 * Live events as Server-Sent Events (docs/events.md), for the pages and any client: each event's {@code id:} is its
 * stream id, {@code event:} its type and {@code data:} its JSON. A client that reconnects with {@code Last-Event-ID}
 * (browsers do by themselves) gets what it missed first, then the live events, none twice. Comments are sent every
 * {@code postroom.events.heartbeat} so that proxies keep a quiet stream open. Signed in by cookie or API key; each
 * caller follows only their own topics.
 */
@Path("/events")
@ApiKeyProtected
@Tag(name = "Live events")
@SecurityRequirement(name = "apiKey")
public class EventStreamResource {

    /** How long a browser waits before it reconnects a stream that ended (sent as the stream's {@code retry:}). */
    private static final long RECONNECT_AFTER_MS = 2_000;

    private final EventFeed feed;
    private final CurrentCaller caller;
    private final Duration heartbeat;

    public EventStreamResource(EventFeed feed, CurrentCaller caller,
            @ConfigProperty(name = "postroom.events.heartbeat", defaultValue = "PT15S") Duration heartbeat) {
        this.feed = feed;
        this.caller = caller;
        this.heartbeat = heartbeat;
    }

    @GET
    @Path("/deliveries")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Follow the caller's delivery log live",
            description = "Event 'email' at every status change of the caller's emails: {id, status, attempts, "
                    + "createdAt, sentAt, failedAt, error, to, subject}.")
    @APIResponse(responseCode = "200", description = "text/event-stream")
    @APIResponse(responseCode = "401", description = "Not signed in and no valid API key")
    public Multi<OutboundSseEvent> deliveries(@Context Sse sse,
            @Parameter(description = "The id of the last event received: the stream resumes after it")
            @HeaderParam("Last-Event-ID") String lastEventId,
            @Parameter(description = "As Last-Event-ID, for a client that can't set headers (the header wins)")
            @QueryParam("lastEventId") String lastEventIdParam) {
        return stream(sse, Topics.deliveries(caller.owner()), resumeAfter(lastEventId, lastEventIdParam));
    }

    @GET
    @Path("/mailboxes/{id}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Follow one of the caller's mailboxes live",
            description = "Events 'sync', 'indexed', 'message' and 'folder' as docs/events.md describes them.")
    @APIResponse(responseCode = "200", description = "text/event-stream")
    @APIResponse(responseCode = "401", description = "Not signed in and no valid API key")
    @APIResponse(responseCode = "403", description = "An operator's service key: mailboxes belong to users")
    @APIResponse(responseCode = "404", description = "No such mailbox, or not the caller's")
    @OwnMailbox
    public Multi<OutboundSseEvent> mailbox(@Context Sse sse, @PathParam("id") UUID id,
            @HeaderParam("Last-Event-ID") String lastEventId, @QueryParam("lastEventId") String lastEventIdParam) {
        return stream(sse, Topics.mailbox(id), resumeAfter(lastEventId, lastEventIdParam));
    }

    private static String resumeAfter(String header, String queryParam) {
        return header != null && !header.isBlank() ? header : queryParam;
    }

    /**
     * A topic's events with heartbeats in between. The first line is a comment, sent once the stream is live (what
     * is published from then on arrives), that also sets the browser's reconnect delay. The stream ends when the feed
     * ends or Redis can't be reached; the browser then reconnects with its last event id.
     */
    private Multi<OutboundSseEvent> stream(Sse sse, String topic, String resumeAfter) {
        OutboundSseEvent live = sse.newEventBuilder().comment("live").reconnectDelay(RECONNECT_AFTER_MS).build();
        OutboundSseEvent end = sse.newEventBuilder().comment("end").build();
        return feed.connected().onItem().transformToMulti(connected -> {
                    Multi<OutboundSseEvent> events = feed.follow(topic, resumeAfter)
                            .map(event -> toSse(sse, event))
                            .onFailure().recoverWithCompletion()
                            .onCompletion().continueWith(end);
                    Multi<OutboundSseEvent> heartbeats = Multi.createFrom().ticks().every(heartbeat)
                            .onOverflow().drop()
                            .map(tick -> sse.newEventBuilder().comment("heartbeat").build());
                    // Merging subscribes in order: the follower is in place before "live" goes out.
                    return Multi.createBy().merging().streams(events, Multi.createFrom().item(live), heartbeats)
                            .select().first(event -> event != end);
                })
                .onFailure().recoverWithItem(live);
    }

    private static OutboundSseEvent toSse(Sse sse, Event event) {
        return sse.newEventBuilder().id(event.id()).name(event.type()).mediaType(MediaType.TEXT_PLAIN_TYPE)
                .data(String.class, event.data().encode()).build();
    }
}
