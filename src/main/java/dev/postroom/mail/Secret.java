package dev.postroom.mail;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A value that must never be printed: OAuth tokens, authorization codes, PKCE verifiers. {@link #toString()} hides it,
 * so a token that ends up in a log line, an exception message or a debugger view shows as {@code Secret[hidden]}.
 * Call {@link #reveal()} only where the value leaves the process for the party it belongs to.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** Like {@link #of(String)}, for values that may be absent. */
    public static Secret ofNullable(String value) {
        return value == null ? null : new Secret(value);
    }

    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object other) {
        // Constant time, so comparing a secret with a guess tells nothing through timing.
        return other instanceof Secret secret && MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), secret.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return 0; // never derived from the value
    }

    @Override
    public String toString() {
        return "Secret[hidden]";
    }
}
