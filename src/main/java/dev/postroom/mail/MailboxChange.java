package dev.postroom.mail;

import java.util.Objects;
import java.util.UUID;

/**
 * One change of a linked mailbox, as a provider's delta reports it and the mirror applies it. Every change is
 * idempotent when applied, so a page that is replayed after a crash changes nothing.
 */
public sealed interface MailboxChange {

    UUID accountId();

    /** The message is (now) as given, in {@code doc.folderId()}: created, updated or moved in. */
    record Upserted(MessageDoc doc) implements MailboxChange {
        public Upserted {
            Objects.requireNonNull(doc, "doc");
        }

        @Override
        public UUID accountId() {
            return doc.accountId();
        }
    }

    /**
     * The message is no longer in {@code folderId} (deleted, or moved out). Applied as "delete only if the document is
     * still in that folder", so a move converges whichever of the two folders is processed first.
     */
    record RemovedFromFolder(UUID accountId, String messageId, String folderId) implements MailboxChange {
        public RemovedFromFolder {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(folderId, "folderId");
        }
    }

    /** The folder is (now) as given: created, renamed, moved or its counts changed. */
    record FolderUpserted(FolderDoc folder) implements MailboxChange {
        public FolderUpserted {
            Objects.requireNonNull(folder, "folder");
        }

        @Override
        public UUID accountId() {
            return folder.accountId();
        }
    }

    /** The folder is gone, and with it every message still in it. */
    record FolderRemoved(UUID accountId, String folderId) implements MailboxChange {
        public FolderRemoved {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(folderId, "folderId");
        }
    }
}
