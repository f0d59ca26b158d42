package dev.postroom.simulator;

/**
 * One mail folder of a simulated mailbox. Immutable like {@link SimMessage}: renames and count changes make a new
 * version, which is what the folder delta reports.
 *
 * @param wellKnownName {@code inbox}, {@code archive}, ... for the folders every mailbox has; null for others
 */
public record SimFolder(
        String id,
        String displayName,
        String parentFolderId,
        String wellKnownName,
        boolean isHidden,
        int childFolderCount,
        int unreadItemCount,
        int totalItemCount,
        long version) {

    SimFolder withCounts(long newVersion, int children, int unread, int total) {
        return new SimFolder(id, displayName, parentFolderId, wellKnownName, isHidden, children, unread, total, newVersion);
    }

    SimFolder renamed(long newVersion, String name) {
        return new SimFolder(id, name, parentFolderId, wellKnownName, isHidden, childFolderCount, unreadItemCount,
                totalItemCount, newVersion);
    }
}
