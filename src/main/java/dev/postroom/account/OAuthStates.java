package dev.postroom.account;

import dev.postroom.mail.Secret;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Links in progress (table oauth_state): the OAuth {@code state} (32 random bytes) bound to the user who started the
 * link, with the PKCE verifier and where to go afterwards. The state is stored only as its SHA-256 hash (a database
 * reader cannot complete someone's link), the verifier only sealed by the {@link TokenVault}. A state is good for
 * {@link #LIFETIME} and once.
 */
@ApplicationScoped
public class OAuthStates {

    public static final Duration LIFETIME = Duration.ofMinutes(10);
    /** Longer than any state we make (43 characters): anything longer is not ours, no need to hash it. */
    private static final int MAX_STATE_LENGTH = 128;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    /** A new link: the state and the PKCE challenge go into the authorization URL. */
    public record Started(String state, String codeChallenge) {
    }

    /** A link whose callback arrived: whose it is, the verifier for the code exchange, and where to go next. */
    public record Pending(UUID userId, Secret codeVerifier, String returnTo) {
    }

    private final Pool pool;
    private final TokenVault vault;
    private final SecureRandom random = new SecureRandom();

    public OAuthStates(Pool pool, TokenVault vault) {
        this.pool = pool;
        this.vault = vault;
    }

    public Uni<Started> create(UUID userId, String returnTo) {
        vault.requireConfigured();
        String state = randomToken(32);
        // 64 random bytes: an 86-character verifier, within RFC 7636's 43 to 128.
        Secret verifier = Secret.of(randomToken(64));
        String stateHash = hash(state);
        TokenVault.Sealed sealed = vault.seal(TokenVault.Purpose.CODE_VERIFIER, stateHash, verifier);
        return pool.preparedQuery("""
                        INSERT INTO oauth_state (state_hash, user_id, key_id, code_verifier, return_to, expires_at)
                        VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))""")
                .execute(Tuple.tuple()
                        .addString(stateHash).addUUID(userId).addString(sealed.keyId())
                        .addValue(io.vertx.core.buffer.Buffer.buffer(sealed.bytes()))
                        .addString(returnTo).addDouble((double) LIFETIME.toSeconds()))
                .replaceWith(new Started(state, challenge(verifier)));
    }

    /**
     * Marks the state used and returns its link, atomically: of two callbacks with the same state, one wins. Fails
     * with {@link LinkStateException} saying why the state cannot be used.
     */
    public Uni<Pending> consume(String state) {
        if (state == null || state.isBlank()) {
            return Uni.createFrom().failure(new LinkStateException(LinkStateException.Reason.MISSING));
        }
        if (state.length() > MAX_STATE_LENGTH) {
            return Uni.createFrom().failure(new LinkStateException(LinkStateException.Reason.UNKNOWN));
        }
        String stateHash = hash(state);
        return pool.preparedQuery("""
                        UPDATE oauth_state SET used_at = now()
                        WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()
                        RETURNING user_id, key_id, code_verifier, return_to""")
                .execute(Tuple.of(stateHash))
                .chain(rows -> {
                    if (rows.size() == 1) {
                        Row row = rows.iterator().next();
                        Secret verifier = vault.open(TokenVault.Purpose.CODE_VERIFIER, stateHash,
                                row.getString("key_id"), row.getBuffer("code_verifier").getBytes());
                        return Uni.createFrom().item(new Pending(row.getUUID("user_id"), verifier, row.getString("return_to")));
                    }
                    return whyNot(stateHash);
                });
    }

    private Uni<Pending> whyNot(String stateHash) {
        return pool.preparedQuery("SELECT used_at IS NOT NULL AS used FROM oauth_state WHERE state_hash = $1")
                .execute(Tuple.of(stateHash))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new LinkStateException(LinkStateException.Reason.UNKNOWN);
                    }
                    throw new LinkStateException(rows.iterator().next().getBoolean("used")
                            ? LinkStateException.Reason.USED : LinkStateException.Reason.EXPIRED);
                });
    }

    /** Used and expired states are kept a day, so that a late callback is told why, then deleted. */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return pool.query("DELETE FROM oauth_state WHERE expires_at < now() - interval '1 day'").execute().replaceWithVoid();
    }

    /** How a state is stored (SHA-256, hex): also the subject its sealed verifier is bound to. */
    public static String hash(String state) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(state.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The PKCE S256 challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))), no padding. */
    public static String challenge(Secret verifier) {
        try {
            return BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(verifier.reveal().getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private String randomToken(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return BASE64URL.encodeToString(value);
    }
}
