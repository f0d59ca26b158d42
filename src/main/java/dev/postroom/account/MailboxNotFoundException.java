package dev.postroom.account;

import java.util.UUID;

/** No such mailbox, or it belongs to someone else: the two are answered alike (404), so ids reveal nothing. */
public class MailboxNotFoundException extends RuntimeException {

    public MailboxNotFoundException(UUID id) {
        super("no mailbox " + id);
    }
}
