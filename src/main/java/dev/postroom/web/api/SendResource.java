package dev.postroom.web.api;

import dev.postroom.outbound.InvalidRequestException;
import dev.postroom.outbound.SendRequest;
import dev.postroom.outbound.SendService;
import dev.postroom.web.RequestLog;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Instant;
import java.util.UUID;

@Path("/send")
@ApiKeyProtected
@Tag(name = "Sending")
@SecurityRequirement(name = "apiKey")
public class SendResource {

    private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    private final SendService sending;
    private final CurrentCaller caller;

    public SendResource(SendService sending, CurrentCaller caller) {
        this.sending = sending;
        this.caller = caller;
    }

    /** What {@code POST /send} answers: the email's id in the log, and where to follow it. */
    public record Accepted(UUID id, String status, Instant createdAt) {
    }

    @POST
    @RateLimited
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue an email for delivery",
            description = "Validates the email, logs it as queued and queues it; a worker delivers it over SMTP. "
                    + "Answers at once; follow the Location to see it through.")
    @APIResponse(responseCode = "202", description = "Queued (for a repeated Idempotency-Key: the first email's id, and its current status)",
            content = @Content(schema = @Schema(implementation = Accepted.class)))
    @APIResponse(responseCode = "400", description = "Invalid email: the problem names each field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No or unknown API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The Idempotency-Key was used for a different email",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "Rate limit of this API key used up; see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "PostgreSQL or Redis unavailable: nothing was queued",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> send(SendRequest request,
            @Parameter(description = "Makes retries safe: the same key and email return the first email's id without queueing again")
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @Parameter(hidden = true) @HeaderParam(RequestLog.HEADER) String requestId) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
            throw new InvalidRequestException("Idempotency-Key", "must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
        }
        return sending.accept(caller.owner(), request, idempotencyKey, requestId)
                .map(accepted -> Response.accepted(new Accepted(accepted.id(), accepted.status().value(), accepted.createdAt()))
                        .location(URI.create("/logs/email/" + accepted.id()))
                        .header("Idempotent-Replayed", accepted.replayed() ? "true" : null)
                        .build());
    }
}
