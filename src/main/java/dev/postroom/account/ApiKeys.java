package dev.postroom.account;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final int MIN_KEY_LENGTH = 16;

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
        return Uni.createFrom().item(Optional.ofNullable(serviceKeys.get(hash(token.strip()))));
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
