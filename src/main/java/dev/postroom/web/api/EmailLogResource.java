package dev.postroom.web.api;

import dev.postroom.outbound.DeliveryLog;
import dev.postroom.outbound.EmailLogRepository.Cursor;
import dev.postroom.outbound.EmailLogRepository.Filter;
import dev.postroom.outbound.EmailStatus;
import dev.postroom.outbound.InvalidRequestException;
import dev.postroom.outbound.LogEntry;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@Path("/logs/email")
@ApiKeyProtected
@Tag(name = "Delivery log")
@SecurityRequirement(name = "apiKey")
public class EmailLogResource {

    private static final int MAX_LIMIT = 100;

    private final DeliveryLog deliveryLog;
    private final CurrentCaller caller;

    public EmailLogResource(DeliveryLog deliveryLog, CurrentCaller caller) {
        this.deliveryLog = deliveryLog;
        this.caller = caller;
    }

    /**
     * A page of the log. {@code nextCursor} (null on the last page) continues after this page even while new emails
     * arrive; {@code page} is null for a page fetched by cursor. {@code today} always counts all of today's emails,
     * whatever the filter.
     */
    public record LogPage(List<LogEntry> data, Long page, int limit, long total, long totalPages,
            DeliveryLog.Summary today, Map<String, String> links, String nextCursor) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List the delivery log, newest first, with today's summary")
    @APIResponse(responseCode = "200", description = "A page of the log",
            content = @Content(schema = @Schema(implementation = LogPage.class)))
    @APIResponse(responseCode = "400", description = "A query parameter is invalid: the problem names it",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No or unknown API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<LogPage> list(@Context UriInfo uri,
            @QueryParam("page") @DefaultValue("1") long page,
            @QueryParam("limit") @DefaultValue("25") int limit,
            @Parameter(description = "queued, sending, sent, retrying or failed") @QueryParam("status") String status,
            @Parameter(description = "Created at or after: a date (start of that day) or an ISO-8601 date-time") @QueryParam("from") String from,
            @Parameter(description = "Created before the end of this date, or before this ISO-8601 date-time") @QueryParam("to") String to,
            @Parameter(description = "Continue after a page: its nextCursor") @QueryParam("cursor") String cursor,
            @Parameter(description = "Time zone of 'today' and of dates in from/to (default: the configured one)") @QueryParam("tz") String tz) {
        if (page < 1) {
            throw new InvalidRequestException("page", "must be 1 or more");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_LIMIT);
        }
        ZoneId zone = zone(tz);
        ZoneId dateZone = zone == null ? deliveryLog.defaultZone() : zone;
        Filter filter = new Filter(status(status), time("from", from, dateZone, false), time("to", to, dateZone, true));
        Cursor after = decode(cursor);
        return deliveryLog.page(caller.owner(), filter, after, (page - 1) * limit, limit, zone)
                .map(result -> {
                    long totalPages = Math.max(1, (result.total() + limit - 1) / limit);
                    String next = result.more() ? encode(result.entries().getLast()) : null;
                    return new LogPage(result.entries(), after == null ? page : null, limit, result.total(), totalPages,
                            result.today(), links(uri, page, totalPages, after == null), next);
                });
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One email of the log with every delivery attempt")
    @APIResponse(responseCode = "200", description = "The email and its attempts",
            content = @Content(schema = @Schema(implementation = LogEntry.class)))
    @APIResponse(responseCode = "404", description = "No such email of this key's owner",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<LogEntry> get(@PathParam("id") String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no email " + id);
        }
        return deliveryLog.find(caller.owner(), uuid)
                .map(found -> found.orElseThrow(() -> new NotFoundException("no email " + id)));
    }

    private static Map<String, String> links(UriInfo uri, long page, long totalPages, boolean paged) {
        Map<String, String> links = new LinkedHashMap<>();
        links.put("self", uri.getRequestUri().toString());
        links.put("first", pageUri(uri, 1));
        links.put("last", pageUri(uri, totalPages));
        if (paged && page > 1) {
            links.put("prev", pageUri(uri, Math.min(page - 1, totalPages)));
        }
        if (paged && page < totalPages) {
            links.put("next", pageUri(uri, page + 1));
        }
        return links;
    }

    private static String pageUri(UriInfo uri, long page) {
        return UriBuilder.fromUri(uri.getRequestUri()).replaceQueryParam("cursor").replaceQueryParam("page", page).build().toString();
    }

    private static EmailStatus status(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return EmailStatus.of(status.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("status", "must be one of queued, sending, sent, retrying, failed");
        }
    }

    private static ZoneId zone(String tz) {
        if (tz == null || tz.isBlank()) {
            return null;
        }
        try {
            return ZoneId.of(tz.strip());
        } catch (DateTimeException e) {
            throw new InvalidRequestException("tz", "is not a time zone id such as Europe/Berlin");
        }
    }

    /** A date means the start of that day (from) or the start of the next day (to); a date-time is taken as is. */
    private static Instant time(String field, String value, ZoneId zone, boolean endOfDay) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            if (value.length() == 10) {
                LocalDate date = LocalDate.parse(value);
                return (endOfDay ? date.plusDays(1) : date).atStartOfDay(zone).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            throw new InvalidRequestException(field, "must be a date (2026-11-21) or an ISO-8601 date-time with offset");
        }
    }

    private static String encode(LogEntry last) {
        Instant at = last.createdAt();
        String raw = at.getEpochSecond() + "." + at.getNano() + "/" + last.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static Cursor decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8);
            int slash = raw.indexOf('/');
            int dot = raw.indexOf('.');
            Instant at = Instant.ofEpochSecond(Long.parseLong(raw.substring(0, dot)), Long.parseLong(raw.substring(dot + 1, slash)));
            return new Cursor(at, UUID.fromString(raw.substring(slash + 1)));
        } catch (RuntimeException e) {
            throw new InvalidRequestException("cursor", "is not a cursor this API gave out");
        }
    }
}
