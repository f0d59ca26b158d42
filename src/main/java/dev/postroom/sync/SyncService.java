package dev.postroom.sync;

import dev.postroom.account.LinkedMailbox;
import dev.postroom.account.LinkedMailboxes;
import dev.postroom.account.MailboxNotFoundException;
import dev.postroom.events.EventPublisher;
import dev.postroom.events.Topics;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.search.MessagePage;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.Refresh;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a user does with a linked mailbox's mirror: read it, see how its sync stands, ask for a sync now, unlink it.
 * Every call names the user: another user's mailbox is "not found", whether it exists or not.
 */
@ApplicationScoped
public class SyncService {

    private static final Logger LOG = Logger.getLogger(SyncService.class);

    private final LinkedMailboxes mailboxes;
    private final MirrorQueries queries;
    private final SyncEngine engine;
    private final SyncStore store;
    private final EventPublisher events;

    SyncService(LinkedMailboxes mailboxes, MirrorQueries queries, SyncEngine engine, SyncStore store,
            EventPublisher events) {
        this.mailboxes = mailboxes;
        this.queries = queries;
        this.engine = engine;
        this.store = store;
        this.events = events;
    }

    /** How a mailbox's sync stands, for the API and pages. {@code phase}: initial, incremental, waiting, needs_relink. */
    public record SyncStatus(UUID mailboxId, String address, String phase, int foldersDone, int foldersTotal,
            long messagesIndexed, long messagesEstimated, Instant initialSyncDoneAt, Instant lastSyncAt, String error) {
    }

    /** Messages newest first; {@code page} counts from 0. See {@link MirrorQueries#searchMessages}. */
    public Uni<MessagePage> messages(UUID userId, UUID mailboxId, String folderId, String text, boolean unreadOnly,
            int page, int size) {
        return owned(userId, mailboxId)
                .chain(mailbox -> queries.searchMessages(mailboxId, folderId, text, unreadOnly, page, size));
    }

    public Uni<List<FolderDoc>> folders(UUID userId, UUID mailboxId) {
        return owned(userId, mailboxId).chain(mailbox -> queries.folders(mailboxId));
    }

    public Uni<SyncStatus> status(UUID userId, UUID mailboxId) {
        return owned(userId, mailboxId).chain(mailbox -> {
            Uni<SyncStateDoc> state = engine.liveState(mailboxId).map(live -> Uni.createFrom().item(live))
                    .orElseGet(() -> queries.syncState(mailboxId).map(found -> found.orElse(null)));
            return state.chain(doc -> store.overview(mailboxId).map(overview -> {
                String phase = mailbox.status() == LinkedMailbox.Status.NEEDS_RELINK ? "needs_relink"
                        : doc != null ? doc.phase() : "initial";
                return new SyncStatus(mailboxId, mailbox.address(), phase,
                        doc == null ? 0 : doc.foldersDone(), doc == null ? 0 : doc.foldersTotal(),
                        doc == null ? 0 : doc.messagesIndexed(), doc == null ? 0 : doc.messagesEstimated(),
                        overview.map(SyncStore.Overview::initialDoneAt).orElse(null),
                        overview.map(SyncStore.Overview::lastSyncAt).orElse(null),
                        doc != null && doc.error() != null ? doc.error() : overview.map(SyncStore.Overview::error).orElse(null));
            }));
        });
    }

    /** Asks for a round of every folder now (whichever instance syncs the mailbox runs it). */
    public Uni<Void> syncNow(UUID userId, UUID mailboxId) {
        return owned(userId, mailboxId).chain(mailbox -> engine.requestSync(mailboxId));
    }

    /**
     * Unlinks: the mailbox, its tokens and its sync state go (one delete, cascading), the instance that syncs it
     * stops, and its documents leave the mirror. The instance that stops deletes the documents once more, in case a
     * page it was writing landed after this deletion.
     */
    public Uni<Void> unlink(UUID userId, UUID mailboxId) {
        return mailboxes.delete(userId, mailboxId).chain(deleted -> {
            if (!deleted) {
                return Uni.createFrom().failure(new MailboxNotFoundException(mailboxId));
            }
            LOG.infof("mailbox %s unlinked by its owner", mailboxId);
            return engine.requestStop(mailboxId)
                    .chain(() -> queries.deleteAccount(mailboxId, Refresh.NONE))
                    .chain(() -> events.publish(Topics.mailbox(mailboxId),
                                    new JsonObject().put("type", "sync").put("phase", "unlinked"))
                            .onFailure().recoverWithNull())
                    .replaceWithVoid();
        });
    }

    private Uni<LinkedMailbox> owned(UUID userId, UUID mailboxId) {
        return mailboxes.find(userId, mailboxId)
                .map(found -> found.orElseThrow(() -> new MailboxNotFoundException(mailboxId)));
    }
}
