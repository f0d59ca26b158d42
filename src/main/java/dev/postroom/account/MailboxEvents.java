package dev.postroom.account;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * Tells the rest of the system about mailboxes over Redis pub/sub, so that any instance's sync engine can react.
 * Pub/sub is fire-and-forget: a lost event is made up for by {@code linked_mailbox.sync_requested_at}, which the
 * sync engine also reads.
 */
@ApplicationScoped
public class MailboxEvents {

    /** Payload: {@code {"mailboxId":"<uuid>","userId":"<uuid>","address":"jane@example.org"}}. */
    public static final String LINKED_CHANNEL = "postroom:events:mailbox-linked";

    public record Linked(UUID mailboxId, UUID userId, String address) {
    }

    private static final Logger LOG = Logger.getLogger(MailboxEvents.class);

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;

    public MailboxEvents(ReactiveRedisDataSource redis, ObjectMapper json) {
        this.redis = redis;
        this.json = json;
    }

    /** Publishes a "linked" event; never fails (a failure is logged: the sync request in PostgreSQL stands). */
    public Uni<Void> linked(LinkedMailbox mailbox) {
        String payload;
        try {
            payload = json.writeValueAsString(new Linked(mailbox.id(), mailbox.userId(), mailbox.address()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a record of three fields is always JSON", e);
        }
        return redis.pubsub(String.class).publish(LINKED_CHANNEL, payload)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("mailbox %s linked, but the event could not be published (%s); the sync engine will "
                            + "find it by its sync request", mailbox.id(), failure.toString());
                    return null;
                });
    }
}
