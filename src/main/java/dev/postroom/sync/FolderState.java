package dev.postroom.sync;

import dev.postroom.mail.FolderDoc;

import java.util.UUID;

/**
 * One folder of a mailbox being synced, in memory: what the folder tree said about it, where its delta stands (as
 * stored in PostgreSQL) and when its next round is due. Guarded by its {@link MailboxSync}'s monitor.
 */
final class FolderState {

    final String id;
    String name;
    String parentId;
    String wellKnownName;
    int totalCount;
    int unreadCount;

    String deltaLink;
    String nextLink;
    Long round;
    boolean fullRound;
    boolean firstRoundDone;
    long messagesIndexed;

    /** Whether the round in progress, a read from scratch, must remove at its end what it did not see. */
    boolean removeNotSeenAtEnd;

    boolean running;
    /** A trigger came while a round ran: run another one right after. */
    boolean again;
    boolean removed;
    long dueAt;
    long intervalMillis;
    int failuresInRow;

    FolderState(String id) {
        this.id = id;
    }

    static FolderState of(SyncStore.FolderRow row) {
        FolderState folder = new FolderState(row.folderId());
        folder.name = row.name();
        folder.parentId = row.parentId();
        folder.wellKnownName = row.wellKnownName();
        folder.totalCount = row.totalCount();
        folder.unreadCount = row.unreadCount();
        folder.deltaLink = row.deltaLink();
        folder.nextLink = row.nextLink();
        folder.round = row.round();
        folder.fullRound = row.fullRound();
        folder.firstRoundDone = row.firstRoundDone();
        folder.messagesIndexed = row.messagesIndexed();
        return folder;
    }

    void describe(FolderDoc doc) {
        name = doc.name();
        parentId = doc.parentId();
        totalCount = doc.totalCount();
        unreadCount = doc.unreadCount();
    }

    boolean isInbox() {
        return "inbox".equals(wellKnownName);
    }

    /** Inbox first (new mail lands there), then the other well-known folders, then the rest. */
    int priority() {
        return isInbox() ? 0 : wellKnownName != null ? 1 : 2;
    }

    FolderDoc doc(UUID accountId) {
        return new FolderDoc(accountId, id, name, parentId, wellKnownName, totalCount, unreadCount);
    }
}
