package dev.postroom.account;

import dev.postroom.provider.ProviderUser;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The linked_mailbox table. Plain SQL on the reactive client: linking is an upsert on (user, provider, account)
 * and runs in one transaction with storing the tokens.
 */
@ApplicationScoped
public class LinkedMailboxes {

    private static final String COLUMNS = "id, user_id, provider, address, display_name, external_id, status, created_at, updated_at";

    private final Pool pool;

    public LinkedMailboxes(Pool pool) {
        this.pool = pool;
    }

    /**
     * Records that {@code userId} linked {@code account} of {@code provider}: a new row, or the existing one for the
     * same account updated (address, name, status back to active). Either way a sync is requested.
     */
    public Uni<LinkedMailbox> upsertLinked(SqlClient client, UUID userId, String provider, ProviderUser account) {
        return client.preparedQuery("""
                        INSERT INTO linked_mailbox (id, user_id, provider, address, display_name, external_id, status,
                            sync_requested_at)
                        VALUES ($1, $2, $3, $4, $5, $6, 'active', now())
                        ON CONFLICT (user_id, provider, external_id) DO UPDATE SET
                            address = EXCLUDED.address, display_name = EXCLUDED.display_name, status = 'active',
                            sync_requested_at = now(), updated_at = now()
                        RETURNING\s""" + COLUMNS)
                .execute(Tuple.tuple(List.of(UUID.randomUUID(), userId, provider, account.address()))
                        .addString(account.displayName()).addString(account.externalId()))
                .map(rows -> mailbox(rows.iterator().next()));
    }

    /** The user's mailbox; empty when there is none with this id or it is someone else's (callers answer 404 alike). */
    public Uni<Optional<LinkedMailbox>> find(UUID userId, UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM linked_mailbox WHERE id = $1 AND user_id = $2")
                .execute(Tuple.of(id, userId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(mailbox(rows.iterator().next())));
    }

    /** A mailbox by id alone, for background work (token refresh, sync); never for answering a user. */
    public Uni<Optional<LinkedMailbox>> get(UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM linked_mailbox WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(mailbox(rows.iterator().next())));
    }

    /** The user's mailboxes, oldest link first. */
    public Uni<List<LinkedMailbox>> list(UUID userId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM linked_mailbox WHERE user_id = $1 ORDER BY created_at, id")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    List<LinkedMailbox> mailboxes = new ArrayList<>();
                    rows.forEach(row -> mailboxes.add(mailbox(row)));
                    return mailboxes;
                });
    }

    /** Records that a sync of the mailbox was asked for (the sync engine's scans read it). */
    public Uni<Void> requestSync(UUID id) {
        return pool.preparedQuery("UPDATE linked_mailbox SET sync_requested_at = now() WHERE id = $1")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /** Removes the mailbox and, with it, its tokens and sync state (cascade). False if it is not the user's. */
    public Uni<Boolean> delete(UUID userId, UUID id) {
        return pool.preparedQuery("DELETE FROM linked_mailbox WHERE id = $1 AND user_id = $2")
                .execute(Tuple.of(id, userId)).map(rows -> rows.rowCount() > 0);
    }

    public Uni<Void> setStatus(SqlClient client, UUID id, LinkedMailbox.Status status) {
        return client.preparedQuery("UPDATE linked_mailbox SET status = $2, updated_at = now() WHERE id = $1")
                .execute(Tuple.of(id, status.value()))
                .replaceWithVoid();
    }

    private static LinkedMailbox mailbox(Row row) {
        return new LinkedMailbox(row.getUUID("id"), row.getUUID("user_id"), row.getString("provider"),
                row.getString("address"), row.getString("display_name"), row.getString("external_id"),
                LinkedMailbox.Status.of(row.getString("status")), instant(row, "created_at"), instant(row, "updated_at"));
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }
}
