package dev.postroom.provider;

import java.time.Instant;

/** A change-notification subscription the provider holds for a mailbox, and until when. */
public record Subscription(String id, Instant expiresAt) {
}
