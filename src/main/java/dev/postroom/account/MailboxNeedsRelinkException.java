package dev.postroom.account;

import java.util.UUID;

/**
 * The provider no longer accepts the mailbox's refresh token (revoked, expired, password changed: OAuth
 * {@code invalid_grant}). The mailbox is marked {@code needs_relink}; only the person can fix it, by signing in again:
 * {@code POST /api/mailboxes/{id}/relink} returns the authorization URL.
 */
public class MailboxNeedsRelinkException extends RuntimeException {

    private final UUID mailboxId;

    public MailboxNeedsRelinkException(UUID mailboxId) {
        super("mailbox " + mailboxId + " needs its owner to sign in again (POST /api/mailboxes/" + mailboxId + "/relink)");
        this.mailboxId = mailboxId;
    }

    public UUID mailboxId() {
        return mailboxId;
    }
}
