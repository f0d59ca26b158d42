package dev.postroom.account;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys: resolves the bearer token of a request to its {@link Caller}.
 *
 * <p>Operators provision service keys with {@code postroom.api-keys} ({@code POSTROOM_API_KEYS}), a comma-separated
 * list of {@code name:key}; each name is an owner of its own ("key:name"). Keys are kept only as SHA-256 hashes in
 * memory and never logged.
 *
 * <p>Local users' personal keys ({@code pr_...}, see {@link AccountService}) are looked up by their SHA-256 in
 * user_api_key; a revoked key is unknown. Service keys are checked first, in memory, so they cost no query.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final int MIN_KEY_LENGTH = 16;
    private static final Duration LAST_USED_PRECISION = Duration.ofMinutes(1);

    private final Map<String, Caller> serviceKeys = new HashMap<>();

    public ApiKeys(@ConfigProperty(name = "postroom.api-keys") Optional<List<String>> configured) {
        for (String entry : configured.orElse(List.of())) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("postroom.api-keys: each entry must be name:key (got an entry without both parts)");
            }
            String name = entry.substring(0, colon).strip();
            String key = entry.substring(colon + 1).strip();
            if (key.length() < MIN_KEY_LENGTH) {
                throw new IllegalArgumentException("postroom.api-keys: the key of '" + name + "' is shorter than "
                        + MIN_KEY_LENGTH + " characters");
            }
            serviceKeys.put(hash(key), new Caller("key:" + name, "key:" + name));
        }
    }

    void report(@Observes StartupEvent event) {
        if (serviceKeys.isEmpty()) {
            LOG.info("No service API keys configured (postroom.api-keys): only local users' keys are accepted");
        } else {
            LOG.infof("%d service API key(s) configured", serviceKeys.size());
        }
    }

    /** The caller a bearer token belongs to; empty for an unknown token. */
    public Uni<Optional<Caller>> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return Uni.createFrom().item(Optional.empty());
        }
        String hash = hash(token.strip());
        Caller service = serviceKeys.get(hash);
        if (service != null) {
            return Uni.createFrom().item(Optional.of(service));
        }
        if (!token.strip().startsWith(AccountService.KEY_PREFIX)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return Panache.withSession(() -> activeUserKey(hash).flatMap(key -> {
            if (key == null) {
                return Uni.createFrom().item(Optional.<Caller>empty());
            }
            Optional<Caller> caller = Optional.of(Caller.user(key.userId, "userkey:" + key.id));
            return touch(key).replaceWith(caller);
        }));
    }

    private static Uni<UserApiKey> activeUserKey(String hash) {
        return UserApiKey.find("keyHash = ?1 and revokedAt is null", hash).firstResult();
    }

    /**
     * Records when a key was last used, at most once a minute per key: the list of keys can show stale keys without
     * every API call becoming a write.
     */
    private static Uni<Void> touch(UserApiKey key) {
        Instant now = Instant.now();
        if (key.lastUsedAt != null && key.lastUsedAt.isAfter(now.minus(LAST_USED_PRECISION))) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> UserApiKey.update(
                        "lastUsedAt = ?1 where id = ?2 and (lastUsedAt is null or lastUsedAt < ?3)",
                        now, key.id, now.minus(LAST_USED_PRECISION)))
                .replaceWithVoid();
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
