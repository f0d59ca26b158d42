package dev.postroom.account;

import dev.postroom.mail.Secret;
import dev.postroom.provider.AccessToken;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

/**
 * The mailbox_token table: a mailbox's access and refresh tokens, sealed by the {@link TokenVault} (bound to the
 * mailbox id and their purpose) with the id of the key that sealed them.
 */
@ApplicationScoped
public class MailboxTokenStore {

    /** A mailbox's tokens, opened, with the mailbox's provider and status. */
    public record Stored(UUID mailboxId, String provider, LinkedMailbox.Status status, AccessToken accessToken,
            Secret refreshToken) {
    }

    private final TokenVault vault;

    public MailboxTokenStore(TokenVault vault) {
        this.vault = vault;
    }

    /** Seals and stores (inserts or replaces) a mailbox's tokens. */
    public Uni<Void> save(SqlClient client, UUID mailboxId, AccessToken accessToken, Secret refreshToken) {
        String subject = mailboxId.toString();
        TokenVault.Sealed access = vault.seal(TokenVault.Purpose.ACCESS_TOKEN, subject, accessToken.token());
        TokenVault.Sealed refresh = vault.seal(TokenVault.Purpose.REFRESH_TOKEN, subject, refreshToken);
        return client.preparedQuery("""
                        INSERT INTO mailbox_token (mailbox_id, key_id, access_token, refresh_token, access_expires_at)
                        VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (mailbox_id) DO UPDATE SET key_id = EXCLUDED.key_id,
                            access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
                            access_expires_at = EXCLUDED.access_expires_at, updated_at = now()""")
                .execute(Tuple.tuple()
                        .addUUID(mailboxId)
                        .addString(access.keyId())
                        .addValue(io.vertx.core.buffer.Buffer.buffer(access.bytes()))
                        .addValue(io.vertx.core.buffer.Buffer.buffer(refresh.bytes()))
                        .addValue(OffsetDateTime.ofInstant(accessToken.expiresAt(), ZoneOffset.UTC)))
                .replaceWithVoid();
    }

    /** The mailbox's tokens, opened; empty when the mailbox has none. */
    public Uni<Optional<Stored>> load(SqlClient client, UUID mailboxId) {
        return select(client, mailboxId, "");
    }

    /**
     * Like {@link #load}, and locks the token row until the transaction of {@code client} ends: the refresh of one
     * mailbox runs on one instance at a time, so a rotated refresh token is never used twice.
     */
    public Uni<Optional<Stored>> loadForUpdate(SqlClient client, UUID mailboxId) {
        return select(client, mailboxId, " FOR UPDATE OF t");
    }

    private Uni<Optional<Stored>> select(SqlClient client, UUID mailboxId, String lock) {
        return client.preparedQuery("""
                        SELECT m.provider, m.status, t.key_id, t.access_token, t.refresh_token, t.access_expires_at
                        FROM mailbox_token t JOIN linked_mailbox m ON m.id = t.mailbox_id
                        WHERE t.mailbox_id = $1""" + lock)
                .execute(Tuple.of(mailboxId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(open(mailboxId, rows.iterator().next())));
    }

    private Stored open(UUID mailboxId, Row row) {
        String subject = mailboxId.toString();
        String keyId = row.getString("key_id");
        Secret access = vault.open(TokenVault.Purpose.ACCESS_TOKEN, subject, keyId, row.getBuffer("access_token").getBytes());
        Secret refresh = vault.open(TokenVault.Purpose.REFRESH_TOKEN, subject, keyId, row.getBuffer("refresh_token").getBytes());
        return new Stored(mailboxId, row.getString("provider"), LinkedMailbox.Status.of(row.getString("status")),
                new AccessToken(access, row.getOffsetDateTime("access_expires_at").toInstant()), refresh);
    }
}
