package dev.postroom.provider;

import dev.postroom.mail.Secret;

import java.time.Duration;
import java.time.Instant;

/** A bearer token for the provider's API and when it expires. Its {@code toString} hides the token. */
public record AccessToken(Secret token, Instant expiresAt) {

    /** The value of the {@code Authorization} header that presents this token. */
    public String authorizationHeader() {
        return "Bearer " + token.reveal();
    }

    /** Whether the token expires within {@code margin} of {@code now} (or has expired). */
    public boolean expiresWithin(Duration margin, Instant now) {
        return !expiresAt.isAfter(now.plus(margin));
    }
}
