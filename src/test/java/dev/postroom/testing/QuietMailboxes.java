package dev.postroom.testing;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Duration;
import java.util.UUID;

/**
 * Linked-mailbox rows for tests of the pages and event streams alone: owned by a user, but 'unlinked' and without a
 * sync request or tokens, so that the sync engine leaves them alone and only the events a test publishes reach
 * their topic. (Linking itself is tested in the account package; the real flow in MailboxPagesBrowserTest.)
 */
public final class QuietMailboxes {

    private QuietMailboxes() {
    }

    public static UUID insert(Pool pool, UUID userId, String address) {
        UUID id = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO linked_mailbox (id, user_id, provider, address, external_id, status) "
                        + "VALUES ($1, $2, 'outlook', $3, $4, 'unlinked')")
                .execute(Tuple.of(id, userId, address, "quiet-" + id))
                .await().atMost(Duration.ofSeconds(10));
        return id;
    }
}
