package dev.postroom.simulator;

import java.time.Instant;

/**
 * A change-notification subscription and what became of its notifications.
 *
 * @param delivered notifications answered 2xx by the notification URL
 * @param lost      notifications dropped on purpose (fault injection) or given up on after a backlog (then a
 *                  {@code missed} lifecycle event is sent)
 * @param failed    notification POSTs that failed (non-2xx, timeout, connection), counting retries
 */
public record SubscriptionInfo(String id, String mailboxAddress, String resource, String changeType, String notificationUrl,
        String lifecycleNotificationUrl, String clientState, Instant expirationDateTime, long delivered, long lost, long failed) {
}
