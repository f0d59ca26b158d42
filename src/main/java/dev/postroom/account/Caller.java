package dev.postroom.account;

import java.util.Optional;
import java.util.UUID;

/**
 * Who is calling the API: the owner whose data they see ("key:&lt;name&gt;" for an operator's service key,
 * "user:&lt;id&gt;" for a local user) and the id of the key they used (rate limits count per key): "key:&lt;name&gt;",
 * "userkey:&lt;key id&gt;" for a user's personal key, "session:&lt;user id&gt;" for a browser session.
 */
public record Caller(String owner, String keyId) {

    private static final String USER = "user:";

    /** A local user's caller. */
    static Caller user(UUID userId, String keyId) {
        return new Caller(USER + userId, keyId);
    }

    /** The local user behind this caller; empty for an operator's service key. */
    public Optional<UUID> userId() {
        return owner.startsWith(USER) ? Optional.of(UUID.fromString(owner.substring(USER.length()))) : Optional.empty();
    }
}
