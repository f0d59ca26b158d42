package dev.postroom.mail;

import java.util.Objects;
import java.util.UUID;

/**
 * One folder of a linked mailbox. {@code wellKnownName} ({@code inbox}, {@code sentitems}, ...) is how code finds a
 * folder: display names are localised and must never be matched.
 */
public record FolderDoc(
        UUID accountId,
        String folderId,
        String name,
        String parentId,
        String wellKnownName,
        int totalCount,
        int unreadCount) {

    public FolderDoc {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(folderId, "folderId");
    }
}
