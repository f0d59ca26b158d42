package dev.postroom.sync;

import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MailboxChange.FolderRemoved;
import dev.postroom.mail.MailboxChange.FolderUpserted;
import dev.postroom.mail.MailboxChange.RemovedFromFolder;
import dev.postroom.mail.MailboxChange.Upserted;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.search.BulkResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mailbox topic's events (docs/events.md), built from what a page of changes did to the mirror: the documents
 * as they were before ({@code before}) and each change's outcome. A change that changed nothing (a replay, a removal
 * of a message already elsewhere, a page older than the mirror) makes no event.
 */
final class MirrorEvents {

    private MirrorEvents() {
    }

    static List<JsonObject> messageChanges(List<MailboxChange> changes, BulkResult result, Map<String, MessageDoc> before) {
        List<JsonObject> events = new ArrayList<>();
        Map<String, MessageDoc> current = new HashMap<>(before);
        for (int i = 0; i < changes.size(); i++) {
            BulkResult.Outcome outcome = result.outcomes().get(i);
            switch (changes.get(i)) {
                case Upserted upserted when outcome == BulkResult.Outcome.WRITTEN -> {
                    MessageDoc now = upserted.doc();
                    MessageDoc was = current.get(now.messageId());
                    if (was == null) {
                        events.add(message("created", now.messageId(), now.folderId()).put("message", message(now)));
                    } else if (!was.folderId().equals(now.folderId())) {
                        events.add(message("moved", now.messageId(), now.folderId())
                                .put("fromFolderId", was.folderId()).put("message", message(now)));
                    } else {
                        List<String> changed = changedFields(was, now);
                        if (!changed.isEmpty()) {
                            events.add(message("updated", now.messageId(), now.folderId())
                                    .put("changed", new JsonArray(changed)).put("message", message(now)));
                        }
                    }
                    current.put(now.messageId(), now); // a later change of the same page compares with this one
                }
                case RemovedFromFolder removed when outcome == BulkResult.Outcome.DELETED -> {
                    events.add(message("deleted", removed.messageId(), removed.folderId()));
                    current.remove(removed.messageId());
                }
                default -> {
                }
            }
        }
        return events;
    }

    static List<JsonObject> folderChanges(List<MailboxChange> changes) {
        List<JsonObject> events = new ArrayList<>();
        for (MailboxChange change : changes) {
            switch (change) {
                case FolderUpserted upserted -> events.add(new JsonObject().put("type", "folder").put("change", "upserted")
                        .put("folderId", upserted.folder().folderId()).put("folder", folder(upserted.folder())));
                case FolderRemoved removed -> events.add(new JsonObject().put("type", "folder").put("change", "removed")
                        .put("folderId", removed.folderId()));
                default -> {
                }
            }
        }
        return events;
    }

    static JsonObject indexed(String folderId, int count) {
        return new JsonObject().put("type", "indexed").put("folderId", folderId).put("count", count);
    }

    static JsonObject progress(SyncStateDoc state, long waitUntil) {
        return new JsonObject().put("type", "sync")
                .put("phase", state.phase())
                .put("foldersDone", state.foldersDone())
                .put("foldersTotal", state.foldersTotal())
                .put("messagesIndexed", state.messagesIndexed())
                .put("messagesEstimated", state.messagesEstimated())
                .put("waitUntil", waitUntil > System.currentTimeMillis() ? Instant.ofEpochMilli(waitUntil).toString() : null)
                .put("error", state.error());
    }

    private static JsonObject message(String change, String messageId, String folderId) {
        return new JsonObject().put("type", "message").put("change", change).put("messageId", messageId)
                .put("folderId", folderId);
    }

    /** The fields a page shows and filters by; names as in the mirror's documents. */
    static JsonObject message(MessageDoc doc) {
        return new JsonObject()
                .put("messageId", doc.messageId())
                .put("folderId", doc.folderId())
                .put("folderName", doc.folderName())
                .put("subject", doc.subject())
                .put("fromName", doc.fromName())
                .put("fromAddress", doc.fromAddress())
                .put("receivedAt", doc.receivedAt() == null ? null : doc.receivedAt().toString())
                .put("isRead", doc.isRead())
                .put("flagStatus", doc.flagStatus())
                .put("importance", doc.importance())
                .put("categories", new JsonArray(doc.categories()))
                .put("hasAttachments", doc.hasAttachments())
                .put("bodyPreview", doc.bodyPreview());
    }

    static JsonObject folder(FolderDoc folder) {
        return new JsonObject()
                .put("folderId", folder.folderId())
                .put("name", folder.name())
                .put("parentId", folder.parentId())
                .put("wellKnownName", folder.wellKnownName())
                .put("totalCount", folder.totalCount())
                .put("unreadCount", folder.unreadCount());
    }

    private static List<String> changedFields(MessageDoc was, MessageDoc now) {
        List<String> changed = new ArrayList<>();
        compare(changed, "isRead", was.isRead(), now.isRead());
        compare(changed, "flagStatus", was.flagStatus(), now.flagStatus());
        compare(changed, "importance", was.importance(), now.importance());
        compare(changed, "categories", was.categories(), now.categories());
        compare(changed, "subject", was.subject(), now.subject());
        compare(changed, "folderName", was.folderName(), now.folderName());
        compare(changed, "hasAttachments", was.hasAttachments(), now.hasAttachments());
        compare(changed, "bodyPreview", was.bodyPreview(), now.bodyPreview());
        return changed;
    }

    private static void compare(List<String> changed, String field, Object was, Object now) {
        if (!Objects.equals(was, now)) {
            changed.add(field);
        }
    }
}
