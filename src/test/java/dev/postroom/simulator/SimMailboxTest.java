package dev.postroom.simulator;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mailbox model on its own: change sequence, per-folder changes, counts and the listener. */
class SimMailboxTest {

    private final List<String> heard = new ArrayList<>();
    private final SimMailbox mailbox = new SimMailbox(
            new MailboxInfo("id-1", "a@example.org", "A", false, MailboxInfo.SIMULATED_TENANT), 1,
            () -> Instant.parse("2026-11-21T12:00:00Z"),
            (info, before, after) -> heard.add(before == null ? "created" : after == null ? "deleted" : "updated"));

    @Test
    void aMessageThatLeftAndCameBackIsReportedPresentNotRemoved() {
        SimMessage message = mailbox.add("inbox", NewMessage.of("Hello", "b@example.org", "a@example.org"));
        String inbox = mailbox.resolveFolder("inbox");
        long since = mailbox.sequence();
        mailbox.move(message.id(), "archive");
        mailbox.move(message.id(), "inbox");
        SimMailbox.Changes changes = mailbox.messageChanges(inbox, since);
        assertEquals(1, changes.entries().size());
        assertInstanceOf(SimMessage.class, changes.entries().get(0));
        assertEquals(List.of("created", "updated", "updated"), heard);
    }

    @Test
    void countsFollowReadStateMovesAndDeletes() {
        SimMessage one = mailbox.add("inbox", NewMessage.of("One", "b@example.org", null));
        SimMessage two = mailbox.add("inbox", NewMessage.of("Two", "b@example.org", null));
        assertEquals(2, mailbox.folder("inbox").unreadItemCount());
        mailbox.update(one.id(), true, null, null, null);
        mailbox.move(two.id(), "archive");
        assertEquals(0, mailbox.folder("inbox").unreadItemCount());
        assertEquals(1, mailbox.folder("inbox").totalItemCount());
        assertEquals(1, mailbox.folder("archive").unreadItemCount());
        mailbox.delete(two.id());
        assertEquals(0, mailbox.folder("archive").totalItemCount());
        assertThrows(GraphException.class, () -> mailbox.message(two.id()));
        assertThrows(GraphException.class, () -> mailbox.update(one.id(), null, "bogus", null, null));
    }

    @Test
    void deletingAFolderRemovesItsSubtreeAndReportsItInTheFolderDelta() {
        SimFolder parent = mailbox.createFolder(null, "Parent", false);
        SimFolder child = mailbox.createFolder(parent.id(), "Child", false);
        mailbox.add(child.id(), NewMessage.of("Inside", "b@example.org", null));
        assertThrows(GraphException.class, () -> mailbox.createFolder(null, "parent", false), "names are unique per parent");
        long since = mailbox.sequence();
        mailbox.deleteFolder(parent.id());
        List<Object> entries = mailbox.folderChanges(since).entries();
        assertTrue(entries.contains(new SimMailbox.Removed(parent.id(), "deleted")));
        assertTrue(entries.contains(new SimMailbox.Removed(child.id(), "deleted")));
        assertEquals(0, mailbox.messageCount());
        assertThrows(GraphException.class, () -> mailbox.deleteFolder("inbox"));
    }

    @Test
    void expiringTokensBumpsTheEpochAndForgetsDepartures() {
        SimMessage message = mailbox.add("inbox", NewMessage.of("Gone", "b@example.org", null));
        long since = mailbox.sequence();
        mailbox.delete(message.id());
        assertEquals(1, mailbox.messageChanges(mailbox.resolveFolder("inbox"), since).entries().size());
        int epoch = mailbox.epoch();
        mailbox.expireDeltaTokens();
        assertEquals(epoch + 1, mailbox.epoch());
        assertEquals(0, mailbox.messageChanges(mailbox.resolveFolder("inbox"), since).entries().size());
    }
}
