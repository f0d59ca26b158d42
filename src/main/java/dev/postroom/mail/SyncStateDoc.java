package dev.postroom.mail;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The sync state of one linked mailbox as pages show it: the phase ({@code initial}, {@code incremental},
 * {@code failed}, ... as the sync engine names them), progress and the last error. PostgreSQL holds the delta links
 * that sync resumes from; this document is only for display.
 */
public record SyncStateDoc(
        UUID accountId,
        String address,
        String phase,
        int foldersDone,
        int foldersTotal,
        long messagesIndexed,
        long messagesEstimated,
        Instant lastSyncAt,
        String error) {

    public SyncStateDoc {
        Objects.requireNonNull(accountId, "accountId");
    }
}
