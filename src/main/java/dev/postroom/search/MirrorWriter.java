package dev.postroom.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MailboxChange.FolderRemoved;
import dev.postroom.mail.MailboxChange.FolderUpserted;
import dev.postroom.mail.MailboxChange.RemovedFromFolder;
import dev.postroom.mail.MailboxChange.Upserted;
import dev.postroom.mail.SyncStateDoc;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.elasticsearch.client.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Applies a page of mailbox changes to the mirror with one {@code _bulk} request. The Uni succeeds only if every
 * change took effect, so a caller that advances its delta link after it (and only then) never skips a change; and
 * since every change is idempotent, replaying a page after a crash changes nothing.
 */
@ApplicationScoped
public class MirrorWriter {

    /**
     * Deletes the message only if it is still in the folder it was removed from. A move arrives as an upsert in the
     * destination and a removal from the source, in either order; with this guard the removal cannot delete the copy
     * that already moved on. Painless runs on Elasticsearch and OpenSearch alike.
     */
    static final String DELETE_IF_IN_FOLDER =
            "if (ctx._source.folderId == params.folderId) { ctx.op = 'delete' } else { ctx.op = 'noop' }";

    private final Engine engine;
    private final SearchIndices indices;

    MirrorWriter(Engine engine, SearchIndices indices) {
        this.engine = engine;
        this.indices = indices;
    }

    /** {@link #apply(UUID, List, Refresh)} without waiting for a refresh. */
    public Uni<BulkResult> apply(UUID accountId, List<MailboxChange> changes) {
        return apply(accountId, changes, Refresh.NONE);
    }

    /**
     * Writes the changes of one account, in order, with one {@code _bulk}; removed folders then lose their messages
     * by a {@code _delete_by_query}. Fails with {@link EngineException} naming every item the engine refused.
     *
     * <p>Because the folder's messages are deleted after the bulk, a batch should not upsert messages into a folder
     * it also removes (a provider's folder delta never does: a removed folder has no further pages).
     */
    public Uni<BulkResult> apply(UUID accountId, List<MailboxChange> changes, Refresh refresh) {
        for (MailboxChange change : changes) {
            if (!accountId.equals(change.accountId())) {
                // Routing is by account: a change of another account would land on the wrong shard.
                throw new IllegalArgumentException("change of account " + change.accountId() + " in a batch of " + accountId);
            }
        }
        if (changes.isEmpty()) {
            return Uni.createFrom().item(new BulkResult(0, 0, 0, 0, 0));
        }
        List<String> removedFolders = changes.stream()
                .filter(FolderRemoved.class::isInstance).map(c -> ((FolderRemoved) c).folderId()).toList();
        Request bulk = Engine.ndjson("POST", "/_bulk", lines(accountId, changes));
        bulk.addParameter("refresh", refresh.parameter);
        return indices.ready()
                .chain(() -> engine.send(bulk))
                .map(response -> outcome(accountId, response))
                .chain(result -> removedFolders.isEmpty() ? Uni.createFrom().item(result)
                        : deleteFolderMessages(accountId, removedFolders, refresh)
                        .map(deleted -> new BulkResult(result.written(), result.deleted(), result.unchanged(),
                                result.missing(), deleted)));
    }

    /** Writes the account's sync state document (progress for the pages; sync resumes from PostgreSQL, not this). */
    public Uni<Void> saveState(SyncStateDoc state, Refresh refresh) {
        Request request = Engine.request("PUT", "/" + indices.mailboxes() + "/_doc/" + Documents.stateId(state.accountId()),
                Documents.state(engine.json(), state));
        request.addParameter("routing", state.accountId().toString());
        request.addParameter("refresh", refresh.parameter);
        return indices.ready().chain(() -> engine.send(request)).replaceWithVoid();
    }

    private String lines(UUID accountId, List<MailboxChange> changes) {
        ObjectMapper json = engine.json();
        String routing = accountId.toString();
        StringBuilder lines = new StringBuilder(changes.size() * 1024);
        for (MailboxChange change : changes) {
            switch (change) {
                case Upserted upserted -> {
                    line(lines, action(json, "index", indices.messages(),
                            Documents.messageId(accountId, upserted.doc().messageId()), routing));
                    line(lines, Documents.message(json, upserted.doc()));
                }
                case RemovedFromFolder removed -> {
                    ObjectNode update = action(json, "update", indices.messages(),
                            Documents.messageId(accountId, removed.messageId()), routing);
                    // Rounds of two folders may touch the same message at once (a move): re-run the script on a
                    // version conflict instead of failing the page.
                    ((ObjectNode) update.path("update")).put("retry_on_conflict", 3);
                    line(lines, update);
                    ObjectNode script = json.createObjectNode();
                    ObjectNode body = script.putObject("script");
                    body.put("lang", "painless");
                    body.put("source", DELETE_IF_IN_FOLDER);
                    body.putObject("params").put("folderId", removed.folderId());
                    line(lines, script);
                }
                case FolderUpserted upserted -> {
                    line(lines, action(json, "index", indices.mailboxes(),
                            Documents.folderId(accountId, upserted.folder().folderId()), routing));
                    line(lines, Documents.folder(json, upserted.folder()));
                }
                case FolderRemoved removed -> line(lines, action(json, "delete", indices.mailboxes(),
                        Documents.folderId(accountId, removed.folderId()), routing));
            }
        }
        return lines.toString();
    }

    private static ObjectNode action(ObjectMapper json, String type, String index, String id, String routing) {
        ObjectNode action = json.createObjectNode();
        action.putObject(type).put("_index", index).put("_id", id).put("routing", routing);
        return action;
    }

    private static void line(StringBuilder lines, JsonNode node) {
        lines.append(node.toString()).append('\n');
    }

    /**
     * Counts what happened and fails on any refusal. A 404 is expected for a removal whose message is already gone
     * (update: document missing; delete: not found): the change has nothing left to do.
     */
    private BulkResult outcome(UUID accountId, JsonNode response) {
        int written = 0, deleted = 0, unchanged = 0, missing = 0;
        List<String> failures = new ArrayList<>();
        JsonNode items = response.path("items");
        for (JsonNode entry : items) {
            String type = entry.fieldNames().next();
            JsonNode item = entry.path(type);
            int status = item.path("status").asInt();
            String result = item.path("result").asText();
            if (status == 404 && (type.equals("update") || type.equals("delete"))) {
                missing++;
            } else if (item.has("error") || status >= 300) {
                failures.add(type + " " + item.path("_id").asText() + " (" + status + " "
                        + EngineException.describe(item) + ")");
            } else {
                switch (result) {
                    case "deleted" -> deleted++;
                    case "noop" -> unchanged++;
                    default -> written++;
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new EngineException("bulk write of account " + accountId + ": " + failures.size() + " of "
                    + items.size() + " items failed: " + String.join("; ", failures));
        }
        return new BulkResult(written, deleted, unchanged, missing, 0);
    }

    /**
     * Deletes the messages still in removed folders. A refresh first, because {@code _delete_by_query} only sees
     * what is searchable, and messages written a moment ago (even by this bulk) must go too. Conflicts abort (the
     * default): a message changing under the query fails the Uni, and the caller retries the page.
     */
    private Uni<Long> deleteFolderMessages(UUID accountId, List<String> folderIds, Refresh refresh) {
        Request refreshNow = new Request("POST", "/" + indices.messages() + "/_refresh");
        ObjectNode query = engine.json().createObjectNode();
        ArrayNode filter = query.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("accountId", accountId.toString());
        ArrayNode folders = filter.addObject().putObject("terms").putArray("folderId");
        folderIds.forEach(folders::add);
        Request delete = Engine.request("POST", "/" + indices.messages() + "/_delete_by_query", query);
        delete.addParameter("routing", accountId.toString());
        delete.addParameter("refresh", refresh == Refresh.NONE ? "false" : "true");
        return engine.send(refreshNow)
                .chain(() -> engine.send(delete))
                .map(response -> {
                    if (response.path("failures").size() > 0) {
                        throw new EngineException("deleting messages of removed folders of account " + accountId
                                + " failed: " + response.path("failures"));
                    }
                    return response.path("deleted").asLong();
                });
    }
}
