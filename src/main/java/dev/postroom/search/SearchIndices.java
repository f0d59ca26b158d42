package dev.postroom.search;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.elasticsearch.client.Request;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * The mirror's two index families, each a versioned index behind an alias ({@code postroom-messages-v1} ←
 * {@code postroom-messages}, {@code postroom-mailboxes-v1} ← {@code postroom-mailboxes}). Code reads and writes only
 * through the aliases, so a new mapping can be rolled out as {@code -v2}, filled, and switched over with one
 * {@code _aliases} call.
 *
 * <p>The mappings are explicit and strict (an unknown field fails the write rather than guessing a type) and
 * {@code _routing} is required: every document lives on the shard of its account, and a write without routing is
 * refused instead of landing on the wrong shard.
 *
 * <p>Setting up runs at startup without holding the start up: if the engine is not reachable yet it is retried with
 * backoff, and writers and readers wait for {@link #ready()} first.
 */
@ApplicationScoped
public class SearchIndices {

    private static final Logger LOG = Logger.getLogger(SearchIndices.class);

    /** The version of the mappings below; raise it when a mapping changes incompatibly. */
    static final int VERSION = 1;

    private final Engine engine;
    private final SearchConfig config;
    private final Uni<Void> ensured;

    SearchIndices(Engine engine, SearchConfig config) {
        this.engine = engine;
        this.config = config;
        this.ensured = Uni.createFrom().deferred(this::ensure)
                .onFailure().invoke(e -> LOG.warnf("Search indices not ready yet (%s); retrying", e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(30)).indefinitely()
                .invoke(() -> LOG.infof("Search indices ready: %s, %s", messages(), mailboxes()))
                .memoize().indefinitely();
    }

    void start(@Observes StartupEvent event) {
        // Fire and forget: the app starts whether or not the engine is up; the retry above keeps trying.
        ensured.subscribe().with(ok -> { }, e -> LOG.error("Search indices could not be set up", e));
    }

    /** Completes once templates, indices and aliases exist; waits at most 30 s, then fails this caller only. */
    public Uni<Void> ready() {
        return ensured.ifNoItem().after(Duration.ofSeconds(30))
                .failWith(() -> new EngineException("Elasticsearch/OpenSearch is not reachable: search indices are not set up"));
    }

    /** The alias all message reads and writes go through. */
    public String messages() {
        return config.indexPrefix() + "-messages";
    }

    /**
     * Makes everything written so far searchable (the mirror writes without waiting for refreshes): the sync engine
     * calls it once when a mailbox's first copy is complete, and tests that compare the mirror with a mailbox.
     */
    public Uni<Void> refresh() {
        return ready().chain(() -> engine.send(new Request("POST", "/" + messages() + "," + mailboxes() + "/_refresh")))
                .replaceWithVoid();
    }

    /** The alias for folders and sync states. */
    public String mailboxes() {
        return config.indexPrefix() + "-mailboxes";
    }

    private Uni<Void> ensure() {
        return ensureFamily(messages(), messageMappings())
                .chain(() -> ensureFamily(mailboxes(), mailboxMappings()));
    }

    /** Template first (so the index gets it), then the versioned index with its alias; every step is idempotent. */
    private Uni<Void> ensureFamily(String alias, ObjectNode mappings) {
        String index = alias + "-v" + VERSION;
        ObjectNode template = engine.json().createObjectNode();
        template.putArray("index_patterns").add(alias + "-v*");
        template.put("priority", 100);
        ObjectNode body = template.putObject("template");
        ObjectNode settings = body.putObject("settings");
        settings.put("number_of_shards", config.shards());
        settings.put("number_of_replicas", config.replicas());
        settings.put("refresh_interval", config.refreshInterval().toMillis() + "ms");
        body.set("mappings", mappings);
        template.putObject("_meta").put("description", "Postroom mailbox mirror, mapping version " + VERSION);

        ObjectNode create = engine.json().createObjectNode();
        create.putObject("aliases").putObject(alias);

        ObjectNode addAlias = engine.json().createObjectNode();
        addAlias.putArray("actions").addObject().putObject("add").put("index", index).put("alias", alias);

        // The alias is attached only when it exists nowhere yet: once it points at an index (this version or, after
        // a migration, a newer one), moving it is the migration's job, never a side effect of starting up.
        // GET, not HEAD: the low-level client reports a 404 to HEAD as success.
        Request aliasExists = new Request("GET", "/_alias/" + alias);
        return engine.send(Engine.request("PUT", "/_index_template/" + alias, template))
                .chain(() -> engine.send(aliasExists).replaceWith(true)
                        .onFailure(e -> e instanceof EngineException ee && ee.status() == 404).recoverWithItem(false))
                .chain(exists -> exists ? Uni.createFrom().voidItem() : engine.send(Engine.request("PUT", "/" + index, create))
                        .onFailure(e -> e instanceof EngineException ee
                                && ee.errorType().equals("resource_already_exists_exception"))
                        // Another instance created the index a moment ago, or an earlier start stopped before the alias.
                        .recoverWithUni(() -> engine.send(Engine.request("POST", "/_aliases", addAlias)))
                        .replaceWithVoid());
    }

    private ObjectNode messageMappings() {
        ObjectNode mappings = strict();
        ObjectNode p = mappings.putObject("properties");
        keyword(p, "accountId");
        keyword(p, "address");
        keyword(p, "messageId");
        keyword(p, "folderId");
        keyword(p, "folderName");
        textWithKeyword(p, "subject");
        textWithKeyword(p, "fromName");
        textWithKeyword(p, "fromAddress");
        keyword(p, "to");
        keyword(p, "cc");
        date(p, "receivedAt");
        date(p, "sentAt");
        type(p, "isRead", "boolean");
        keyword(p, "flagStatus");
        keyword(p, "importance");
        keyword(p, "categories");
        type(p, "hasAttachments", "boolean");
        type(p, "bodyPreview", "text");
        keyword(p, "conversationId");
        keyword(p, "internetMessageId");
        date(p, "lastModified");
        date(p, "syncedAt");
        // The delta round that wrote the document (also its external version): see MirrorWriter.
        type(p, "round", "long");
        return mappings;
    }

    /** Folders and sync states share one index (few, small documents per account), told apart by {@code kind}. */
    private ObjectNode mailboxMappings() {
        ObjectNode mappings = strict();
        ObjectNode p = mappings.putObject("properties");
        keyword(p, "kind");
        keyword(p, "accountId");
        keyword(p, "address");
        keyword(p, "folderId");
        textWithKeyword(p, "name");
        keyword(p, "parentId");
        keyword(p, "wellKnownName");
        type(p, "totalCount", "integer");
        type(p, "unreadCount", "integer");
        keyword(p, "phase");
        type(p, "foldersDone", "integer");
        type(p, "foldersTotal", "integer");
        type(p, "messagesIndexed", "long");
        type(p, "messagesEstimated", "long");
        date(p, "lastSyncAt");
        type(p, "error", "text");
        return mappings;
    }

    private ObjectNode strict() {
        ObjectNode mappings = engine.json().createObjectNode();
        mappings.put("dynamic", "strict");
        mappings.putObject("_routing").put("required", true);
        return mappings;
    }

    private static void keyword(ObjectNode properties, String field) {
        type(properties, field, "keyword");
    }

    private static void date(ObjectNode properties, String field) {
        type(properties, field, "date");
    }

    private static void type(ObjectNode properties, String field, String type) {
        properties.putObject(field).put("type", type);
    }

    /** Full text for matching, plus an exact {@code .keyword} for sorting and aggregations (long values skipped). */
    private static void textWithKeyword(ObjectNode properties, String field) {
        ObjectNode node = properties.putObject(field);
        node.put("type", "text");
        node.putObject("fields").putObject("keyword").put("type", "keyword").put("ignore_above", 256);
    }
}
