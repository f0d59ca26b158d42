package dev.postroom.simulator;

import java.time.Instant;
import java.util.List;

/**
 * What a new message consists of, before the mailbox gives it an id and a folder. Null fields take defaults: now for
 * the dates, unread, not flagged, normal importance.
 */
public record NewMessage(
        String subject,
        Recipient from,
        List<Recipient> toRecipients,
        List<Recipient> ccRecipients,
        String body,
        Instant receivedDateTime,
        boolean isRead,
        String flagStatus,
        String importance,
        List<String> categories,
        boolean hasAttachments,
        boolean isDraft) {

    public NewMessage {
        subject = subject == null ? "" : subject;
        toRecipients = toRecipients == null ? List.of() : List.copyOf(toRecipients);
        ccRecipients = ccRecipients == null ? List.of() : List.copyOf(ccRecipients);
        body = body == null ? "" : body;
        flagStatus = flagStatus == null ? SimMessage.NOT_FLAGGED : flagStatus;
        importance = importance == null ? "normal" : importance;
        categories = categories == null ? List.of() : List.copyOf(categories);
        if (from == null) {
            throw new IllegalArgumentException("a message needs a sender");
        }
    }

    /** An unread message with a subject and a sender, received now: what "new mail" means on the mailbox page. */
    public static NewMessage of(String subject, String from, String to) {
        return new NewMessage(subject, Recipient.parse(from), to == null ? List.of() : List.of(Recipient.parse(to)),
                List.of(), "Hello,\n\n" + subject + "\n\nSent from the Outlook simulator.", null, false, null, null,
                null, false, false);
    }
}
