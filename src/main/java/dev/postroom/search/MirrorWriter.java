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
 *
 * <p>Rounds: every page belongs to a delta round, numbered per account in the order the rounds' snapshots were taken
 * (the sync engine starts one round of an account at a time). A message is written with its round (times
 * {@link #VERSIONS_PER_ROUND}) as external version ({@code external_gte}), so a page of an older round that arrives late (a big folder's first round still
 * paging while the inbox's newer round saw the message move in) cannot overwrite what a newer round wrote: the
 * engine refuses it, and it counts as unchanged. The round is also stored ({@code round}) so that a folder read again
 * from scratch can remove what its new round did not see ({@link #removeNotSeen}).
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

    /**
     * Room between two rounds' versions for in-place updates, which add one to a document's version each: renaming a
     * folder updates its messages by query. 999 renames of one folder between two of its rounds are not expected.
     */
    static final long VERSIONS_PER_ROUND = 1_000;

    private final Engine engine;
    private final SearchIndices indices;

    MirrorWriter(Engine engine, SearchIndices indices) {
        this.engine = engine;
        this.indices = indices;
    }

    /** {@link #apply(UUID, long, List, Refresh)} without waiting for a refresh. */
    public Uni<BulkResult> apply(UUID accountId, long round, List<MailboxChange> changes) {
        return apply(accountId, round, changes, Refresh.NONE);
    }

    /**
     * Writes the changes of one account, in order, with one {@code _bulk}; removed folders then lose their messages
     * by a {@code _delete_by_query}. Fails with {@link EngineException} naming every item the engine refused.
     *
     * <p>Because the folder's messages are deleted after the bulk, a batch should not upsert messages into a folder
     * it also removes (a provider's folder delta never does: a removed folder has no further pages).
     */
    public Uni<BulkResult> apply(UUID accountId, long round, List<MailboxChange> changes, Refresh refresh) {
        for (MailboxChange change : changes) {
            if (!accountId.equals(change.accountId())) {
                // Routing is by account: a change of another account would land on the wrong shard.
                throw new IllegalArgumentException("change of account " + change.accountId() + " in a batch of " + accountId);
            }
        }
        if (changes.isEmpty()) {
            return Uni.createFrom().item(BulkResult.empty());
        }
        List<String> removedFolders = changes.stream()
                .filter(FolderRemoved.class::isInstance).map(c -> ((FolderRemoved) c).folderId()).toList();
        Request bulk = Engine.ndjson("POST", "/_bulk", lines(accountId, round, changes));
        bulk.addParameter("refresh", refresh.parameter);
        return indices.ready()
                .chain(() -> engine.send(bulk))
                .map(response -> outcome(accountId, response))
                .chain(result -> removedFolders.isEmpty() ? Uni.createFrom().item(result)
                        : deleteFolderMessages(accountId, removedFolders, refresh)
                        .map(deleted -> new BulkResult(result.written(), result.deleted(), result.unchanged(),
                                result.missing(), deleted, result.outcomes())));
    }

    /** Writes the account's sync state document (progress for the pages; sync resumes from PostgreSQL, not this). */
    public Uni<Void> saveState(SyncStateDoc state, Refresh refresh) {
        Request request = Engine.request("PUT", "/" + indices.mailboxes() + "/_doc/" + Documents.stateId(state.accountId()),
                Documents.state(engine.json(), state));
        request.addParameter("routing", state.accountId().toString());
        request.addParameter("refresh", refresh.parameter);
        return indices.ready().chain(() -> engine.send(request)).replaceWithVoid();
    }

    /**
     * Removes the messages of a folder that its round {@code round}, a full read from scratch, did not see: they left
     * the folder while it was not followed (its delta link was lost). Call it after the round's last page.
     */
    public Uni<Long> removeNotSeen(UUID accountId, String folderId, long round, Refresh refresh) {
        ObjectNode query = engine.json().createObjectNode();
        ArrayNode filter = query.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("accountId", accountId.toString());
        filter.addObject().putObject("term").put("folderId", folderId);
        filter.addObject().putObject("range").putObject("round").put("lt", round);
        return deleteByQuery(accountId, query, refresh, "removing messages no longer in folder " + folderId);
    }

    /**
     * Puts a folder's new display name on its messages (they carry it for listing and search). Conflicts abort: a
     * message written under the query fails the Uni and the caller tries again.
     */
    public Uni<Long> renameFolder(UUID accountId, String folderId, String name, Refresh refresh) {
        ObjectNode body = engine.json().createObjectNode();
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("accountId", accountId.toString());
        filter.addObject().putObject("term").put("folderId", folderId);
        ObjectNode script = body.putObject("script");
        script.put("lang", "painless");
        script.put("source", "ctx._source.folderName = params.name");
        script.putObject("params").put("name", name);
        return byQuery("_update_by_query", "updated", accountId, body, refresh, "renaming folder " + folderId);
    }

    private String lines(UUID accountId, long round, List<MailboxChange> changes) {
        ObjectMapper json = engine.json();
        String routing = accountId.toString();
        StringBuilder lines = new StringBuilder(changes.size() * 1024);
        for (MailboxChange change : changes) {
            switch (change) {
                case Upserted upserted -> {
                    ObjectNode index = action(json, "index", indices.messages(),
                            Documents.messageId(accountId, upserted.doc().messageId()), routing);
                    ((ObjectNode) index.path("index")).put("version", round * VERSIONS_PER_ROUND)
                            .put("version_type", "external_gte");
                    line(lines, index);
                    line(lines, Documents.message(json, upserted.doc()).put("round", round));
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
        List<BulkResult.Outcome> outcomes = new ArrayList<>();
        JsonNode items = response.path("items");
        for (JsonNode entry : items) {
            String type = entry.fieldNames().next();
            JsonNode item = entry.path(type);
            int status = item.path("status").asInt();
            String result = item.path("result").asText();
            if (status == 404 && (type.equals("update") || type.equals("delete"))) {
                missing++;
                outcomes.add(BulkResult.Outcome.MISSING);
            } else if (status == 409 && type.equals("index")) {
                // A newer round wrote this message already (external version): this copy is older, so it stays out.
                unchanged++;
                outcomes.add(BulkResult.Outcome.UNCHANGED);
            } else if (item.has("error") || status >= 300) {
                failures.add(type + " " + item.path("_id").asText() + " (" + status + " "
                        + EngineException.describe(item) + ")");
            } else {
                switch (result) {
                    case "deleted" -> {
                        deleted++;
                        outcomes.add(BulkResult.Outcome.DELETED);
                    }
                    case "noop" -> {
                        unchanged++;
                        outcomes.add(BulkResult.Outcome.UNCHANGED);
                    }
                    default -> {
                        written++;
                        outcomes.add(BulkResult.Outcome.WRITTEN);
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new EngineException("bulk write of account " + accountId + ": " + failures.size() + " of "
                    + items.size() + " items failed: " + String.join("; ", failures));
        }
        return new BulkResult(written, deleted, unchanged, missing, 0, outcomes);
    }

    /** Deletes the messages still in removed folders. */
    private Uni<Long> deleteFolderMessages(UUID accountId, List<String> folderIds, Refresh refresh) {
        ObjectNode query = engine.json().createObjectNode();
        ArrayNode filter = query.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("accountId", accountId.toString());
        ArrayNode folders = filter.addObject().putObject("terms").putArray("folderId");
        folderIds.forEach(folders::add);
        return deleteByQuery(accountId, query, refresh, "deleting messages of removed folders");
    }

    private Uni<Long> deleteByQuery(UUID accountId, ObjectNode query, Refresh refresh, String what) {
        return byQuery("_delete_by_query", "deleted", accountId, query, refresh, what);
    }

    /**
     * Runs {@code _delete_by_query} or {@code _update_by_query} on the account's messages and answers how many it
     * changed. A refresh first, because these only see what is searchable, and messages written a moment ago (even by
     * the same bulk) must be included. Conflicts abort (the default): a message written under the query fails the
     * Uni, and the caller tries again.
     */
    private Uni<Long> byQuery(String endpoint, String countField, UUID accountId, ObjectNode body, Refresh refresh,
            String what) {
        Request refreshNow = new Request("POST", "/" + indices.messages() + "/_refresh");
        Request request = Engine.request("POST", "/" + indices.messages() + "/" + endpoint, body);
        request.addParameter("routing", accountId.toString());
        request.addParameter("refresh", refresh == Refresh.NONE ? "false" : "true");
        return indices.ready()
                .chain(() -> engine.send(refreshNow))
                .chain(() -> engine.send(request))
                .map(response -> {
                    if (response.path("failures").size() > 0) {
                        throw new EngineException(what + " of account " + accountId + " failed: " + response.path("failures"));
                    }
                    return response.path(countField).asLong();
                });
    }
}
