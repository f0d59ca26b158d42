package dev.postroom.search;

/**
 * What one {@link MirrorWriter#apply} did: documents written, deleted, left alone (a removal from a folder the message
 * is no longer in) or already gone, and the messages deleted with removed folders.
 */
public record BulkResult(int written, int deleted, int unchanged, int missing, long folderMessagesDeleted) {
}
