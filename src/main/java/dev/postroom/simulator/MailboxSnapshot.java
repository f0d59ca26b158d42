package dev.postroom.simulator;

import java.util.List;

/**
 * A consistent copy of a mailbox at one change sequence: what a mirror must converge to.
 *
 * @param sequence the mailbox's change sequence when the copy was taken
 */
public record MailboxSnapshot(MailboxInfo mailbox, long sequence, List<SimFolder> folders, List<SimMessage> messages) {
}
