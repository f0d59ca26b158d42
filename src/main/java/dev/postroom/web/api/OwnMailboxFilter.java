package dev.postroom.web.api;

import dev.postroom.account.Caller;
import dev.postroom.account.LinkedMailboxes;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;
import java.util.UUID;

/** Checks {@link OwnMailbox}: runs after {@link ApiKeyFilter} has authenticated the caller. */
public class OwnMailboxFilter {

    private final LinkedMailboxes mailboxes;
    private final CurrentCaller currentCaller;

    public OwnMailboxFilter(LinkedMailboxes mailboxes, CurrentCaller currentCaller) {
        this.mailboxes = mailboxes;
        this.currentCaller = currentCaller;
    }

    @OwnMailbox
    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public Uni<Response> requireOwnMailbox(ContainerRequestContext request) {
        Caller caller = currentCaller.get();
        Optional<UUID> userId = caller.userId();
        if (userId.isEmpty()) {
            return Uni.createFrom().item(Problem.of(Response.Status.FORBIDDEN,
                    "mailboxes belong to local users; service keys have none").response().build());
        }
        String id = request.getUriInfo().getPathParameters().getFirst("id");
        UUID mailboxId;
        try {
            mailboxId = UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            return Uni.createFrom().item(notFound(id));
        }
        return mailboxes.find(userId.get(), mailboxId).map(found -> found.isPresent() ? null : notFound(id));
    }

    private static Response notFound(String id) {
        return Problem.of(Response.Status.NOT_FOUND, "no mailbox " + id).response().build();
    }
}
