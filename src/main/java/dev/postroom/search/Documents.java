package dev.postroom.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Document ids and the JSON of the mirror's documents. Field names are written here by hand, next to the mappings in
 * {@link SearchIndices}, so that renaming a record component can never silently change the index (the mappings are
 * strict: an unknown field fails the write).
 */
final class Documents {

    static final String KIND_FOLDER = "folder";
    static final String KIND_STATE = "state";

    private Documents() {
    }

    static String messageId(UUID accountId, String messageId) {
        return accountId + ":" + messageId;
    }

    static String folderId(UUID accountId, String folderId) {
        return accountId + ":folder:" + folderId;
    }

    static String stateId(UUID accountId) {
        return accountId + ":state";
    }

    static ObjectNode message(ObjectMapper json, MessageDoc doc) {
        ObjectNode node = json.createObjectNode();
        node.put("accountId", doc.accountId().toString());
        put(node, "address", doc.address());
        node.put("messageId", doc.messageId());
        node.put("folderId", doc.folderId());
        put(node, "folderName", doc.folderName());
        put(node, "subject", doc.subject());
        put(node, "fromName", doc.fromName());
        put(node, "fromAddress", doc.fromAddress());
        list(node, "to", doc.to());
        list(node, "cc", doc.cc());
        put(node, "receivedAt", doc.receivedAt());
        put(node, "sentAt", doc.sentAt());
        node.put("isRead", doc.isRead());
        put(node, "flagStatus", doc.flagStatus());
        put(node, "importance", doc.importance());
        list(node, "categories", doc.categories());
        node.put("hasAttachments", doc.hasAttachments());
        put(node, "bodyPreview", doc.bodyPreview());
        put(node, "conversationId", doc.conversationId());
        put(node, "internetMessageId", doc.internetMessageId());
        put(node, "lastModified", doc.lastModified());
        put(node, "syncedAt", doc.syncedAt());
        return node;
    }

    static MessageDoc message(JsonNode source) {
        return new MessageDoc(
                UUID.fromString(source.path("accountId").asText()),
                text(source, "address"),
                text(source, "messageId"),
                text(source, "folderId"),
                text(source, "folderName"),
                text(source, "subject"),
                text(source, "fromName"),
                text(source, "fromAddress"),
                list(source, "to"),
                list(source, "cc"),
                instant(source, "receivedAt"),
                instant(source, "sentAt"),
                source.path("isRead").asBoolean(),
                text(source, "flagStatus"),
                text(source, "importance"),
                list(source, "categories"),
                source.path("hasAttachments").asBoolean(),
                text(source, "bodyPreview"),
                text(source, "conversationId"),
                text(source, "internetMessageId"),
                instant(source, "lastModified"),
                instant(source, "syncedAt"));
    }

    static ObjectNode folder(ObjectMapper json, FolderDoc folder) {
        ObjectNode node = json.createObjectNode();
        node.put("kind", KIND_FOLDER);
        node.put("accountId", folder.accountId().toString());
        node.put("folderId", folder.folderId());
        put(node, "name", folder.name());
        put(node, "parentId", folder.parentId());
        put(node, "wellKnownName", folder.wellKnownName());
        node.put("totalCount", folder.totalCount());
        node.put("unreadCount", folder.unreadCount());
        return node;
    }

    static FolderDoc folder(JsonNode source) {
        return new FolderDoc(
                UUID.fromString(source.path("accountId").asText()),
                text(source, "folderId"),
                text(source, "name"),
                text(source, "parentId"),
                text(source, "wellKnownName"),
                source.path("totalCount").asInt(),
                source.path("unreadCount").asInt());
    }

    static ObjectNode state(ObjectMapper json, SyncStateDoc state) {
        ObjectNode node = json.createObjectNode();
        node.put("kind", KIND_STATE);
        node.put("accountId", state.accountId().toString());
        put(node, "address", state.address());
        put(node, "phase", state.phase());
        node.put("foldersDone", state.foldersDone());
        node.put("foldersTotal", state.foldersTotal());
        node.put("messagesIndexed", state.messagesIndexed());
        node.put("messagesEstimated", state.messagesEstimated());
        put(node, "lastSyncAt", state.lastSyncAt());
        put(node, "error", state.error());
        return node;
    }

    static SyncStateDoc state(JsonNode source) {
        return new SyncStateDoc(
                UUID.fromString(source.path("accountId").asText()),
                text(source, "address"),
                text(source, "phase"),
                source.path("foldersDone").asInt(),
                source.path("foldersTotal").asInt(),
                source.path("messagesIndexed").asLong(),
                source.path("messagesEstimated").asLong(),
                instant(source, "lastSyncAt"),
                text(source, "error"));
    }

    // Absent values are left out rather than written as null: the stored source stays small.
    private static void put(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static void put(ObjectNode node, String field, Instant value) {
        if (value != null) {
            node.put(field, value.toString());
        }
    }

    private static void list(ObjectNode node, String field, List<String> values) {
        ArrayNode array = node.putArray(field);
        values.forEach(array::add);
    }

    private static String text(JsonNode source, String field) {
        JsonNode value = source.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode source, String field) {
        String value = text(source, field);
        return value == null ? null : Instant.parse(value);
    }

    private static List<String> list(JsonNode source, String field) {
        List<String> values = new ArrayList<>();
        source.path(field).forEach(value -> values.add(value.asText()));
        return values;
    }
}
