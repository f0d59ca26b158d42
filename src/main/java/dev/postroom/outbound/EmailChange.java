package dev.postroom.outbound;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One email's state right after it changed (accepted, claimed, an attempt's outcome, re-queued): what a live
 * delivery log needs to show the change without asking the database again.
 */
public record EmailChange(UUID id, String owner, EmailStatus status, int attempts, Instant createdAt, Instant sentAt,
        Instant failedAt, Integer errorCode, String errorMessage, List<String> to, String subject) {
}
