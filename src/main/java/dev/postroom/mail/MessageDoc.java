package dev.postroom.mail;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One message of a linked mailbox as the mirror stores it. {@code messageId} is the provider's immutable id (Graph
 * with {@code Prefer: IdType="ImmutableId"}), so a move changes {@code folderId} and nothing else: the document id
 * (account + message id) stays the same and a move is just another upsert.
 */
public record MessageDoc(
        UUID accountId,
        String address,
        String messageId,
        String folderId,
        String folderName,
        String subject,
        String fromName,
        String fromAddress,
        List<String> to,
        List<String> cc,
        Instant receivedAt,
        Instant sentAt,
        boolean isRead,
        String flagStatus,
        String importance,
        List<String> categories,
        boolean hasAttachments,
        String bodyPreview,
        String conversationId,
        String internetMessageId,
        Instant lastModified,
        Instant syncedAt) {

    public MessageDoc {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(folderId, "folderId");
        to = to == null ? List.of() : List.copyOf(to);
        cc = cc == null ? List.of() : List.copyOf(cc);
        categories = categories == null ? List.of() : List.copyOf(categories);
    }
}
