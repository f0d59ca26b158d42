package dev.postroom.search;

import java.util.List;

/**
 * What one {@link MirrorWriter#apply} did: documents written, deleted, left alone (a removal from a folder the message
 * is no longer in, or an upsert older than what the mirror holds) or already gone, and the messages deleted with
 * removed folders; {@code outcomes} says it for each change, in the order given.
 */
public record BulkResult(int written, int deleted, int unchanged, int missing, long folderMessagesDeleted,
        List<Outcome> outcomes) {

    public enum Outcome {
        WRITTEN, DELETED, UNCHANGED, MISSING
    }

    public BulkResult {
        outcomes = List.copyOf(outcomes);
    }

    static BulkResult empty() {
        return new BulkResult(0, 0, 0, 0, 0, List.of());
    }
}
