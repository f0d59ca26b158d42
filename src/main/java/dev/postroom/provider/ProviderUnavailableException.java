package dev.postroom.provider;

import java.time.Duration;
import java.util.Optional;

/**
 * The provider could not be reached, answered with a server error or throttled the call: worth retrying later, after
 * {@link #retryAfter()} when the provider said how long to wait.
 */
public class ProviderUnavailableException extends RuntimeException {

    private final Duration retryAfter;
    private final boolean throttled;

    public ProviderUnavailableException(String message) {
        this(message, null, false);
    }

    public ProviderUnavailableException(String message, Throwable cause) {
        super(message, cause);
        this.retryAfter = null;
        this.throttled = false;
    }

    /**
     * @param retryAfter how long the provider asked to wait (HTTP {@code Retry-After}), or null
     * @param throttled  whether the provider refused the call for a rate or concurrency limit (HTTP 429)
     */
    public ProviderUnavailableException(String message, Duration retryAfter, boolean throttled) {
        super(message);
        this.retryAfter = retryAfter;
        this.throttled = throttled;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public boolean throttled() {
        return throttled;
    }
}
