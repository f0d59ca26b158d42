package dev.postroom.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.elasticsearch.client.Request;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads the mirror for pages and the API. Every query is filtered by account and routed to the account's shard:
 * one account's data never leaks into another's results, and a query touches one shard only.
 */
@ApplicationScoped
public class MirrorQueries {

    /** Elasticsearch's and OpenSearch's default max_result_window: from + size beyond it is refused. */
    public static final int MAX_WINDOW = 10_000;
    private static final int SNAPSHOT_PAGE = 1_000;

    private final Engine engine;
    private final SearchIndices indices;

    MirrorQueries(Engine engine, SearchIndices indices) {
        this.engine = engine;
        this.indices = indices;
    }

    /**
     * Messages of an account, newest first: optionally in one folder, unread only, matching {@code text} (all words,
     * over subject, sender name and address, and preview). {@code page} counts from 0.
     */
    public Uni<MessagePage> searchMessages(UUID accountId, String folderId, String text, boolean unreadOnly, int page, int size) {
        if (page < 0 || size < 1 || (long) (page + 1) * size > MAX_WINDOW) {
            throw new IllegalArgumentException("page and size must satisfy 0 <= page, 1 <= size and (page + 1) * size <= " + MAX_WINDOW);
        }
        ObjectNode body = engine.json().createObjectNode();
        ObjectNode bool = body.putObject("query").putObject("bool");
        ArrayNode filter = accountFilter(bool, accountId);
        if (folderId != null) {
            filter.addObject().putObject("term").put("folderId", folderId);
        }
        if (unreadOnly) {
            filter.addObject().putObject("term").put("isRead", false);
        }
        if (text != null && !text.isBlank()) {
            ObjectNode match = bool.putArray("must").addObject().putObject("multi_match");
            match.put("query", text);
            match.put("operator", "and");
            match.put("type", "cross_fields");
            match.putArray("fields").add("subject^3").add("fromName^2").add("fromAddress^2").add("bodyPreview");
        }
        body.put("from", page * size);
        body.put("size", size);
        body.put("track_total_hits", true);
        ArrayNode sort = body.putArray("sort");
        sort.addObject().putObject("receivedAt").put("order", "desc").put("missing", "_last");
        // A unique tie-breaker keeps pages stable when messages share a received time (sorting on _id is off in ES 8).
        sort.addObject().putObject("messageId").put("order", "asc");
        return search(indices.messages(), accountId, body).map(hits -> {
            List<MessageDoc> messages = new ArrayList<>();
            hits.path("hits").forEach(hit -> messages.add(Documents.message(hit.path("_source"))));
            return new MessagePage(messages, hits.path("total").path("value").asLong());
        });
    }

    /** The folders of an account, by name. */
    public Uni<List<FolderDoc>> folders(UUID accountId) {
        ObjectNode body = engine.json().createObjectNode();
        ObjectNode bool = body.putObject("query").putObject("bool");
        accountFilter(bool, accountId).addObject().putObject("term").put("kind", Documents.KIND_FOLDER);
        body.put("size", MAX_WINDOW);
        body.putArray("sort").addObject().putObject("name.keyword").put("order", "asc").put("missing", "_last");
        return search(indices.mailboxes(), accountId, body).map(hits -> {
            List<FolderDoc> folders = new ArrayList<>();
            hits.path("hits").forEach(hit -> folders.add(Documents.folder(hit.path("_source"))));
            return folders;
        });
    }

    /** The account's sync state, if sync has written one. A get by id: visible without waiting for a refresh. */
    public Uni<Optional<SyncStateDoc>> syncState(UUID accountId) {
        Request get = new Request("GET", "/" + indices.mailboxes() + "/_doc/" + Documents.stateId(accountId));
        get.addParameter("routing", accountId.toString());
        return indices.ready().chain(() -> engine.send(get))
                .map(response -> Optional.of(Documents.state(response.path("_source"))))
                .onFailure(e -> e instanceof EngineException ee && ee.status() == 404)
                .recoverWithItem(Optional.empty());
    }

    /**
     * The mirror's current documents of these messages, by message id (absent: not in the mirror). Real-time reads
     * ({@code _mget}), so what a bulk wrote a moment ago is seen.
     */
    public Uni<Map<String, MessageDoc>> messages(UUID accountId, Collection<String> messageIds) {
        if (messageIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        ObjectNode body = engine.json().createObjectNode();
        ArrayNode ids = body.putArray("ids");
        messageIds.forEach(id -> ids.add(Documents.messageId(accountId, id)));
        Request request = Engine.request("POST", "/" + indices.messages() + "/_mget", body);
        request.addParameter("routing", accountId.toString());
        return indices.ready().chain(() -> engine.send(request)).map(response -> {
            Map<String, MessageDoc> found = new HashMap<>();
            for (JsonNode doc : response.path("docs")) {
                if (doc.path("found").asBoolean()) {
                    MessageDoc message = Documents.message(doc.path("_source"));
                    found.put(message.messageId(), message);
                }
            }
            return found;
        });
    }

    /**
     * Every message document of an account, in message id order, paged with {@code search_after} (no scroll
     * context to clean up). Not a point-in-time view: meant for a quiet mailbox, e.g. convergence checks.
     */
    public Uni<List<MessageDoc>> snapshot(UUID accountId) {
        return snapshotFrom(accountId, null, new ArrayList<>());
    }

    private Uni<List<MessageDoc>> snapshotFrom(UUID accountId, JsonNode after, List<MessageDoc> collected) {
        ObjectNode body = engine.json().createObjectNode();
        accountFilter(body.putObject("query").putObject("bool"), accountId);
        body.put("size", SNAPSHOT_PAGE);
        body.put("track_total_hits", false);
        body.putArray("sort").addObject().putObject("messageId").put("order", "asc");
        if (after != null) {
            body.set("search_after", after);
        }
        return search(indices.messages(), accountId, body).chain(hits -> {
            JsonNode page = hits.path("hits");
            page.forEach(hit -> collected.add(Documents.message(hit.path("_source"))));
            if (page.size() < SNAPSHOT_PAGE) {
                return Uni.createFrom().item(collected);
            }
            return snapshotFrom(accountId, page.get(page.size() - 1).path("sort"), collected);
        });
    }

    /**
     * Removes every document of the account from both index families (unlinking a mailbox). Fails if the engine
     * reports any failure or conflict, so the caller can retry; other accounts are never touched (filtered by
     * account, not only routed: routing shares a shard with other accounts).
     */
    public Uni<Long> deleteAccount(UUID accountId, Refresh refresh) {
        return deleteAccount(accountId, refresh, 1);
    }

    /**
     * Version conflicts proceed (a document deleted or rewritten under the query by someone else, e.g. the sync
     * engine cleaning up at the same time) and the query runs again, so that what was rewritten goes too.
     */
    private Uni<Long> deleteAccount(UUID accountId, Refresh refresh, int attempt) {
        ObjectNode body = engine.json().createObjectNode();
        accountFilter(body.putObject("query").putObject("bool"), accountId);
        Request delete = Engine.request("POST", "/" + indices.messages() + "," + indices.mailboxes() + "/_delete_by_query", body);
        delete.addParameter("routing", accountId.toString());
        delete.addParameter("conflicts", "proceed");
        delete.addParameter("refresh", refresh == Refresh.NONE ? "false" : "true");
        // _delete_by_query sees only what is searchable: refresh first so that documents written a moment ago go too.
        Request refreshNow = new Request("POST", "/" + indices.messages() + "," + indices.mailboxes() + "/_refresh");
        return indices.ready().chain(() -> engine.send(refreshNow)).chain(() -> engine.send(delete)).chain(response -> {
            if (response.path("failures").size() > 0) {
                throw new EngineException("deleting the documents of account " + accountId + " failed: " + response.path("failures"));
            }
            long deleted = response.path("deleted").asLong();
            if (response.path("version_conflicts").asLong() > 0 && attempt < 3) {
                return deleteAccount(accountId, refresh, attempt + 1).map(more -> deleted + more);
            }
            return Uni.createFrom().item(deleted);
        });
    }

    private static ArrayNode accountFilter(ObjectNode bool, UUID accountId) {
        ArrayNode filter = bool.putArray("filter");
        filter.addObject().putObject("term").put("accountId", accountId.toString());
        return filter;
    }

    /** Runs a search routed to the account's shard and returns its {@code hits}. */
    private Uni<JsonNode> search(String index, UUID accountId, ObjectNode body) {
        Request request = Engine.request("POST", "/" + index + "/_search", body);
        request.addParameter("routing", accountId.toString());
        return indices.ready().chain(() -> engine.send(request)).map(response -> response.path("hits"));
    }
}
