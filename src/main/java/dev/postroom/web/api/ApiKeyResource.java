package dev.postroom.web.api;

import dev.postroom.account.AccountService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A local user's personal API keys: {@code /api/keys}. Operators' service keys can't use it (403). */
@Path("/api/keys")
@ApiKeyProtected
@Tag(name = "Accounts")
@SecurityRequirement(name = "apiKey")
public class ApiKeyResource {

    private final AccountService accounts;
    private final CurrentCaller caller;

    public ApiKeyResource(AccountService accounts, CurrentCaller caller) {
        this.accounts = accounts;
        this.caller = caller;
    }

    public record NewKeyRequest(String name) {
    }

    /** A key just made; {@code key} is the secret and is never shown again. */
    public record KeyCreated(UUID id, String name, String key, String prefix, Instant createdAt) {
        static KeyCreated of(AccountService.NewKey key) {
            return new KeyCreated(key.id(), key.name(), key.key(), key.prefix(), key.createdAt());
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a personal API key", description = "The key is shown only in this answer; only its SHA-256 is kept.")
    @APIResponse(responseCode = "201", description = "Created", content = @Content(schema = @Schema(implementation = KeyCreated.class)))
    @APIResponse(responseCode = "400", description = "Missing or too long name (1 to 100 characters)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "Not signed in and no valid API key")
    @APIResponse(responseCode = "403", description = "An operator's service key, or a cookie request without X-Requested-With")
    public Uni<Response> create(NewKeyRequest body) {
        return accounts.createKey(caller.get(), body == null ? null : body.name())
                .map(key -> Response.status(Response.Status.CREATED).entity(KeyCreated.of(key)).build());
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List the user's API keys, oldest first", description = "Without secrets: the prefix tells keys apart. Revoked keys carry revokedAt.")
    public Uni<List<AccountService.KeyInfo>> list() {
        return accounts.keys(caller.get());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke an API key", description = "At once: the key no longer authenticates. Revoking twice is fine.")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "404", description = "No such key of this user")
    public Uni<Response> revoke(@PathParam("id") String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no API key " + id);
        }
        return accounts.revokeKey(caller.get(), uuid).map(ignored -> Response.noContent().build());
    }
}
