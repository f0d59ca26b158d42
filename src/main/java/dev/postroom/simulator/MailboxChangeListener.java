package dev.postroom.simulator;

/**
 * Told of every message change, inside the mailbox's lock and in change order: implementations only take note
 * (queue work), they never block or call back into the mailbox.
 */
interface MailboxChangeListener {

    /** A message appeared ({@code before} null), changed, moved ({@code before.parentFolderId} differs) or went ({@code after} null). */
    void messageChanged(MailboxInfo mailbox, SimMessage before, SimMessage after);

    MailboxChangeListener NONE = (mailbox, before, after) -> {
    };
}
