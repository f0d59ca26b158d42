package dev.postroom.simulator;

import java.time.Instant;
import java.util.List;

/**
 * One message of a simulated mailbox, as Graph describes it. Immutable: every change makes a new version with a
 * higher {@code version} (the mailbox's change sequence at that change), so delta rounds can hold the versions they
 * page through while the mailbox keeps changing. The id never changes, moves included (immutable ids).
 */
public record SimMessage(
        String id,
        String internetMessageId,
        String conversationId,
        String subject,
        Recipient from,
        List<Recipient> toRecipients,
        List<Recipient> ccRecipients,
        Instant receivedDateTime,
        Instant sentDateTime,
        boolean isRead,
        boolean isDraft,
        String parentFolderId,
        Instant lastModifiedDateTime,
        long version,
        String body,
        boolean hasAttachments,
        String importance,
        List<String> categories,
        String flagStatus) {

    public static final String NOT_FLAGGED = "notFlagged";
    public static final String FLAGGED = "flagged";
    public static final String COMPLETE = "complete";
    public static final List<String> FLAG_STATUSES = List.of(NOT_FLAGGED, FLAGGED, COMPLETE);
    public static final List<String> IMPORTANCES = List.of("low", "normal", "high");

    private static final int PREVIEW_LENGTH = 255;

    public SimMessage {
        toRecipients = List.copyOf(toRecipients);
        ccRecipients = List.copyOf(ccRecipients);
        categories = List.copyOf(categories);
        body = body == null ? "" : body;
    }

    /** Graph's change key: changes with every version of the message. */
    public String changeKey() {
        return "CQAAABYAAAD" + Long.toString(version, 36);
    }

    /** The first 255 characters of the body, whitespace collapsed, like Graph's {@code bodyPreview}. */
    public String bodyPreview() {
        String flat = body.replaceAll("\\s+", " ").strip();
        return flat.length() <= PREVIEW_LENGTH ? flat : flat.substring(0, PREVIEW_LENGTH);
    }

    public boolean isFlagged() {
        return FLAGGED.equals(flagStatus);
    }

    SimMessage changed(long newVersion, Instant now, boolean read, String newFolderId, String newFlagStatus,
            String newImportance, List<String> newCategories) {
        return new SimMessage(id, internetMessageId, conversationId, subject, from, toRecipients, ccRecipients,
                receivedDateTime, sentDateTime, read, isDraft, newFolderId, now, newVersion, body, hasAttachments,
                newImportance, newCategories, newFlagStatus);
    }
}
