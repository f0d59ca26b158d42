package dev.postroom.account;

import java.util.Optional;
import java.util.UUID;

/** What a {@link Caller}'s owner says about them. */
public final class Callers {

    private static final String USER = "user:";

    private Callers() {
    }

    /** The local user behind the caller; empty for an operator's service key ("key:&lt;name&gt;"). */
    public static Optional<UUID> userId(Caller caller) {
        String owner = caller.owner();
        if (owner == null || !owner.startsWith(USER)) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(owner.substring(USER.length())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
