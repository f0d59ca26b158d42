package dev.postroom.sync;

import dev.postroom.mail.FolderDoc;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The sync engine's tables (V4__sync.sql): leases, round numbers and each folder's delta links. Every write made on
 * behalf of a leased mailbox is fenced by the lease ({@code lease_owner = me}): an instance that lost a mailbox
 * (paused too long, network split) cannot move its links any more.
 */
@ApplicationScoped
class SyncStore {

    /** Round numbers an instance reserves at a time. */
    static final long ROUND_BLOCK = 1_000;

    private final Pool pool;

    SyncStore(Pool pool) {
        this.pool = pool;
    }

    /** A mailbox this instance now syncs: who it is, where its folder tree stands, and its round numbers. */
    record Leased(UUID mailboxId, UUID userId, String provider, String address, long roundsFrom, long roundsTo,
            String folderLink, boolean folderLinkIsNext, boolean initialDone) {
    }

    /** A folder's stored state. */
    record FolderRow(String folderId, String name, String parentId, String wellKnownName, int totalCount,
            int unreadCount, String deltaLink, String nextLink, Long round, boolean fullRound, boolean firstRoundDone,
            long messagesIndexed) {
    }

    /**
     * Takes up to {@code limit} active mailboxes that nobody holds (never leased, released, or the lease ran out),
     * newest sync requests first, and reserves a block of round numbers for each. Concurrent instances skip each
     * other's candidates (SKIP LOCKED) and the upsert re-checks the lease, so a mailbox is never taken twice.
     */
    Uni<List<Leased>> acquire(String owner, Duration ttl, int limit) {
        if (limit <= 0) {
            return Uni.createFrom().item(List.of());
        }
        return pool.preparedQuery("""
                        WITH free AS (
                            SELECT m.id FROM linked_mailbox m LEFT JOIN sync_mailbox s ON s.mailbox_id = m.id
                            WHERE m.status = 'active' AND (s.mailbox_id IS NULL OR s.lease_until IS NULL OR s.lease_until < now())
                            ORDER BY m.sync_requested_at DESC NULLS LAST
                            LIMIT $3
                            FOR UPDATE OF m SKIP LOCKED),
                        taken AS (
                            INSERT INTO sync_mailbox (mailbox_id, lease_owner, lease_until, round_reserved)
                            SELECT id, $1, now() + make_interval(secs => $2), $4 FROM free
                            ON CONFLICT (mailbox_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner,
                                lease_until = EXCLUDED.lease_until, round_reserved = sync_mailbox.round_reserved + $4
                            WHERE sync_mailbox.lease_until IS NULL OR sync_mailbox.lease_until < now()
                            RETURNING *)
                        SELECT t.mailbox_id, t.round_reserved, t.folder_link, t.folder_link_next, t.initial_done_at,
                            m.user_id, m.provider, m.address
                        FROM taken t JOIN linked_mailbox m ON m.id = t.mailbox_id""")
                .execute(Tuple.of(owner, ttl.toMillis() / 1000.0, limit, ROUND_BLOCK))
                .map(rows -> {
                    List<Leased> leased = new ArrayList<>();
                    for (Row row : rows) {
                        long reserved = row.getLong("round_reserved");
                        leased.add(new Leased(row.getUUID("mailbox_id"), row.getUUID("user_id"), row.getString("provider"),
                                row.getString("address"), reserved - ROUND_BLOCK + 1, reserved,
                                row.getString("folder_link"), row.getBoolean("folder_link_next"),
                                row.getOffsetDateTime("initial_done_at") != null));
                    }
                    return leased;
                });
    }

    /** Extends every lease this instance holds on a still-active mailbox; answers which ones it still holds. */
    Uni<Set<UUID>> renew(String owner, Duration ttl) {
        return pool.preparedQuery("""
                        UPDATE sync_mailbox s SET lease_until = now() + make_interval(secs => $2)
                        FROM linked_mailbox m
                        WHERE s.mailbox_id = m.id AND s.lease_owner = $1 AND m.status = 'active'
                        RETURNING s.mailbox_id""")
                .execute(Tuple.of(owner, ttl.toMillis() / 1000.0))
                .map(rows -> {
                    Set<UUID> held = new HashSet<>();
                    rows.forEach(row -> held.add(row.getUUID("mailbox_id")));
                    return held;
                });
    }

    /** When a sync was last asked for, of those of the mailboxes that have a request. */
    Uni<Map<UUID, Instant>> syncRequests(List<UUID> mailboxIds) {
        if (mailboxIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return pool.preparedQuery("SELECT id, sync_requested_at FROM linked_mailbox "
                        + "WHERE id = ANY($1) AND sync_requested_at IS NOT NULL")
                .execute(Tuple.of(mailboxIds.toArray(UUID[]::new)))
                .map(rows -> {
                    Map<UUID, Instant> requests = new HashMap<>();
                    rows.forEach(row -> requests.put(row.getUUID("id"), instant(row, "sync_requested_at")));
                    return requests;
                });
    }

    /** Gives the mailbox up at once (another instance may take it at its next scan). */
    Uni<Void> release(String owner, UUID mailboxId) {
        return pool.preparedQuery("UPDATE sync_mailbox SET lease_owner = NULL, lease_until = NULL "
                        + "WHERE mailbox_id = $1 AND lease_owner = $2")
                .execute(Tuple.of(mailboxId, owner)).replaceWithVoid();
    }

    /** Gives every mailbox up (shutdown). */
    Uni<Void> releaseAll(String owner) {
        return pool.preparedQuery("UPDATE sync_mailbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1")
                .execute(Tuple.of(owner)).replaceWithVoid();
    }

    /** Reserves the next block of round numbers; empty if the lease is lost. Answers the block's last number. */
    Uni<Optional<Long>> reserveRounds(String owner, UUID mailboxId) {
        return pool.preparedQuery("UPDATE sync_mailbox SET round_reserved = round_reserved + $3 "
                        + "WHERE mailbox_id = $1 AND lease_owner = $2 RETURNING round_reserved")
                .execute(Tuple.of(mailboxId, owner, ROUND_BLOCK))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getLong(0)));
    }

    Uni<List<FolderRow>> folders(UUID mailboxId) {
        return pool.preparedQuery("SELECT * FROM sync_folder WHERE mailbox_id = $1")
                .execute(Tuple.of(mailboxId))
                .map(rows -> {
                    List<FolderRow> folders = new ArrayList<>();
                    for (Row row : rows) {
                        folders.add(new FolderRow(row.getString("folder_id"), row.getString("name"),
                                row.getString("parent_id"), row.getString("well_known_name"),
                                row.getInteger("total_count"), row.getInteger("unread_count"),
                                row.getString("delta_link"), row.getString("next_link"), row.getLong("round"),
                                row.getBoolean("full_round"), row.getBoolean("first_round_done"),
                                row.getLong("messages_indexed")));
                    }
                    return folders;
                });
    }

    /**
     * Stores a page of the folder tree: folders created or changed, folders removed, and the tree's next link (or
     * delta link when {@code linkIsNext} is false). One transaction; false if the lease is lost.
     */
    Uni<Boolean> saveFolderTree(String owner, UUID mailboxId, List<FolderDoc> upserted, List<String> removed,
            String link, boolean linkIsNext) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        UPDATE sync_mailbox SET folder_link = $3, folder_link_next = $4, last_sync_at = now()
                        WHERE mailbox_id = $1 AND lease_owner = $2""")
                .execute(Tuple.of(mailboxId, owner, link, linkIsNext))
                .chain(rows -> {
                    if (rows.rowCount() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    return upsertFolders(tx, mailboxId, upserted)
                            .chain(() -> removed.isEmpty() ? Uni.createFrom().voidItem()
                                    : tx.preparedQuery("DELETE FROM sync_folder WHERE mailbox_id = $1 AND folder_id = ANY($2)")
                                    .execute(Tuple.of(mailboxId, removed.toArray(String[]::new))).replaceWithVoid())
                            .replaceWith(true);
                }));
    }

    private static Uni<Void> upsertFolders(SqlClient tx, UUID mailboxId, List<FolderDoc> folders) {
        if (folders.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = folders.stream().map(f -> Tuple.tuple(List.of(mailboxId, f.folderId()))
                .addString(f.name()).addString(f.parentId()).addString(f.wellKnownName())
                .addInteger(f.totalCount()).addInteger(f.unreadCount())).toList();
        return tx.preparedQuery("""
                        INSERT INTO sync_folder (mailbox_id, folder_id, name, parent_id, well_known_name, total_count, unread_count)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        ON CONFLICT (mailbox_id, folder_id) DO UPDATE SET name = EXCLUDED.name,
                            parent_id = EXCLUDED.parent_id,
                            well_known_name = COALESCE(EXCLUDED.well_known_name, sync_folder.well_known_name),
                            total_count = EXCLUDED.total_count, unread_count = EXCLUDED.unread_count""")
                .executeBatch(rows).replaceWithVoid();
    }

    /** Where a folder's delta stands after a page was written to the mirror. */
    record FolderCheckpoint(String folderId, String deltaLink, String nextLink, Long round, boolean fullRound,
            boolean firstRoundDone, long indexedNow) {
    }

    /** Stores a folder's checkpoint; false if the lease is lost or the folder was removed meanwhile. */
    Uni<Boolean> saveFolder(String owner, UUID mailboxId, FolderCheckpoint checkpoint) {
        return pool.preparedQuery("""
                        UPDATE sync_folder f SET delta_link = $4, next_link = $5, round = $6, full_round = $7,
                            first_round_done = $8, messages_indexed = f.messages_indexed + $9, last_round_at = now()
                        FROM sync_mailbox s
                        WHERE f.mailbox_id = s.mailbox_id AND s.mailbox_id = $1 AND s.lease_owner = $2 AND f.folder_id = $3""")
                .execute(Tuple.tuple(List.of(mailboxId, owner, checkpoint.folderId()))
                        .addString(checkpoint.deltaLink()).addString(checkpoint.nextLink()).addLong(checkpoint.round())
                        .addBoolean(checkpoint.fullRound()).addBoolean(checkpoint.firstRoundDone())
                        .addLong(checkpoint.indexedNow()))
                .map(rows -> rows.rowCount() > 0);
    }

    Uni<Void> markInitialDone(String owner, UUID mailboxId) {
        return pool.preparedQuery("UPDATE sync_mailbox SET initial_done_at = COALESCE(initial_done_at, now()) "
                        + "WHERE mailbox_id = $1 AND lease_owner = $2")
                .execute(Tuple.of(mailboxId, owner)).replaceWithVoid();
    }

    Uni<Void> saveError(String owner, UUID mailboxId, String error) {
        return pool.preparedQuery("UPDATE sync_mailbox SET error = $3 WHERE mailbox_id = $1 AND lease_owner = $2")
                .execute(Tuple.of(mailboxId, owner, error)).replaceWithVoid();
    }

    /** A mailbox's subscription as stored: id, expiry and the client state its notifications carry. */
    record StoredSubscription(UUID mailboxId, String id, Instant expiresAt, String clientState) {
    }

    Uni<Optional<StoredSubscription>> subscription(UUID mailboxId) {
        return pool.preparedQuery("SELECT mailbox_id, subscription_id, subscription_expires_at, subscription_client_state "
                        + "FROM sync_mailbox WHERE mailbox_id = $1 AND subscription_id IS NOT NULL")
                .execute(Tuple.of(mailboxId)).map(SyncStore::firstSubscription);
    }

    Uni<Optional<StoredSubscription>> subscriptionById(String subscriptionId) {
        return pool.preparedQuery("SELECT mailbox_id, subscription_id, subscription_expires_at, subscription_client_state "
                        + "FROM sync_mailbox WHERE subscription_id = $1")
                .execute(Tuple.of(subscriptionId)).map(SyncStore::firstSubscription);
    }

    Uni<Void> saveSubscription(String owner, UUID mailboxId, String id, Instant expiresAt, String clientState) {
        return pool.preparedQuery("""
                        UPDATE sync_mailbox SET subscription_id = $3, subscription_expires_at = $4,
                            subscription_client_state = $5
                        WHERE mailbox_id = $1 AND lease_owner = $2""")
                .execute(Tuple.tuple(List.of(mailboxId, owner)).addString(id)
                        .addOffsetDateTime(expiresAt == null ? null : expiresAt.atOffset(java.time.ZoneOffset.UTC))
                        .addString(clientState))
                .replaceWithVoid();
    }

    /** Makes the subscription due for renewal at once (the provider removed it or wants it authorised again). */
    Uni<Void> expireSubscription(UUID mailboxId) {
        return pool.preparedQuery("UPDATE sync_mailbox SET subscription_expires_at = now() WHERE mailbox_id = $1")
                .execute(Tuple.of(mailboxId)).replaceWithVoid();
    }

    /** Forgets everything the engine stored of the mailbox (unlinking): links, folders, lease, subscription. */
    Uni<Void> forget(UUID mailboxId) {
        return pool.preparedQuery("DELETE FROM sync_mailbox WHERE mailbox_id = $1").execute(Tuple.of(mailboxId))
                .replaceWithVoid();
    }

    /** What the API shows of a mailbox's sync besides the mirror's state document. */
    record Overview(Instant initialDoneAt, Instant lastSyncAt, String error, String leaseOwner, boolean subscribed) {
    }

    Uni<Optional<Overview>> overview(UUID mailboxId) {
        return pool.preparedQuery("SELECT initial_done_at, last_sync_at, error, lease_owner, subscription_id "
                        + "FROM sync_mailbox WHERE mailbox_id = $1")
                .execute(Tuple.of(mailboxId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    return Optional.of(new Overview(instant(row, "initial_done_at"), instant(row, "last_sync_at"),
                            row.getString("error"), row.getString("lease_owner"), row.getString("subscription_id") != null));
                });
    }

    private static Optional<StoredSubscription> firstSubscription(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new StoredSubscription(row.getUUID("mailbox_id"), row.getString("subscription_id"),
                instant(row, "subscription_expires_at"), row.getString("subscription_client_state")));
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }
}
