package dev.postroom.simulator;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delta rounds of message folders and of the folder tree, paged like Graph.
 *
 * <p>A round starts with a request without token (everything) or with a delta token (what changed after the
 * sequence number it carries). Its entries are taken at once, under the mailbox's lock, with the mailbox's change
 * sequence at that moment; its pages are served from that list through skip tokens, and its delta token carries
 * that sequence. A change made while a round is paged has a higher sequence number, so the next round reports it:
 * nothing is lost, and a change the round already shows may be shown again (clients apply entries idempotently).
 */
@ApplicationScoped
class DeltaService {

    /** The scope of the folder tree's delta (message deltas are scoped by folder id). */
    static final String FOLDERS = "folders";

    private record Round(long id, String mailboxId, int epoch, String scope, long startSequence, List<Object> entries,
            AtomicInteger latestGeneration, AtomicLong lastUsed) {
    }

    /** A page and the page size used, for {@code Preference-Applied}. */
    record Page(Map<String, Object> body, int pageSize) {
    }

    private final Map<Long, Round> rounds = new ConcurrentHashMap<>();
    private final AtomicLong roundIds = new AtomicLong();
    private final DeltaTokens tokens;
    private final SimulatorConfig.Delta config;
    private final SimulatorUrls urls;

    DeltaService(DeltaTokens tokens, SimulatorConfig config, SimulatorUrls urls) {
        this.tokens = tokens;
        this.config = config.delta();
        this.urls = urls;
    }

    /** A page of {@code GET /me/mailFolders/{folderId}/messages/delta}. */
    Page messages(SimMailbox mailbox, String folderId, String select, String skipToken, String deltaToken, Integer pageSize) {
        return page(mailbox, folderId, GraphJson.Kind.MESSAGE, "/me/mailFolders/" + folderId + "/messages/delta",
                "$metadata#Collection(message)", select, skipToken, deltaToken, pageSize);
    }

    /** A page of {@code GET /me/mailFolders/delta}. */
    Page folders(SimMailbox mailbox, String select, String skipToken, String deltaToken, Integer pageSize) {
        return page(mailbox, FOLDERS, GraphJson.Kind.FOLDER, "/me/mailFolders/delta", "$metadata#Collection(mailFolder)",
                select, skipToken, deltaToken, pageSize);
    }

    private Page page(SimMailbox mailbox, String scope, GraphJson.Kind kind, String path, String context, String selectParam,
            String skipToken, String deltaToken, Integer preferredPageSize) {
        Round round;
        int offset;
        int generation;
        String select;
        int pageSize;
        if (skipToken != null) {
            DeltaTokens.State state = valid(tokens.decode(skipToken, true), mailbox, scope);
            round = rounds.get(state.round());
            if (round == null || round.epoch() != mailbox.epoch()) {
                throw stale("the delta round of this nextLink is over or forgotten");
            }
            int kept = config.keptPageGenerations();
            if (kept > 0 && state.generation() <= round.latestGeneration().get() - kept) {
                throw stale("this nextLink was superseded by later pages of its round; use the latest one");
            }
            offset = state.offset();
            generation = state.generation();
            select = state.select();
            pageSize = preferredPageSize != null ? preferredPageSize : state.pageSize();
        } else {
            long since = -1;
            int tokenEpoch = -1;
            if (deltaToken != null) {
                DeltaTokens.State state = valid(tokens.decode(deltaToken, false), mailbox, scope);
                since = state.since();
                tokenEpoch = state.epoch();
                select = state.select();
                pageSize = preferredPageSize != null ? preferredPageSize : state.pageSize();
            } else {
                select = GraphJson.selectText(GraphJson.select(kind, selectParam));
                pageSize = preferredPageSize != null ? preferredPageSize : config.defaultPageSize();
            }
            SimMailbox.Changes changes = FOLDERS.equals(scope) ? mailbox.folderChanges(since) : mailbox.messageChanges(scope, since);
            round = new Round(roundIds.incrementAndGet(), mailbox.id(), changes.epoch(), scope, changes.sequence(),
                    changes.entries(), new AtomicInteger(), new AtomicLong());
            if (deltaToken != null && changes.epoch() != tokenEpoch) {
                // The tokens were expired between the check above and the snapshot.
                throw stale("the delta token expired");
            }
            rounds.put(round.id(), round);
            offset = 0;
            generation = 0;
        }
        round.latestGeneration().accumulateAndGet(generation, Math::max);
        round.lastUsed().set(System.nanoTime());
        pageSize = Math.max(1, Math.min(pageSize, config.maxPageSize()));

        List<Object> entries = round.entries();
        int end = Math.min(entries.size(), offset + pageSize);
        Set<String> ordered = select.isEmpty() ? null : new LinkedHashSet<>(List.of(select.split(",")));
        List<Object> value = new ArrayList<>(Math.max(0, end - offset));
        for (int i = offset; i < end; i++) {
            Object entry = entries.get(i);
            if (entry instanceof SimMailbox.Removed removed) {
                value.add(GraphJson.removed(removed));
            } else if (entry instanceof SimMessage message) {
                value.add(GraphJson.message(message, ordered, true));
            } else if (entry instanceof SimFolder folder) {
                value.add(GraphJson.folder(folder, ordered));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        String link = urls.graphV1() + path;
        body.put("@odata.context", urls.graphV1() + "/" + context);
        if (end < entries.size()) {
            body.put("@odata.nextLink", link + "?$skiptoken=" + tokens.encode(new DeltaTokens.State(true, mailbox.id(),
                    round.epoch(), scope, round.id(), -1, end, generation + 1, pageSize, select)));
        } else {
            body.put("@odata.deltaLink", link + "?$deltatoken=" + tokens.encode(new DeltaTokens.State(false, mailbox.id(),
                    round.epoch(), scope, 0, round.startSequence(), 0, 0, pageSize, select)));
        }
        body.put("value", value);
        return new Page(body, pageSize);
    }

    private static DeltaTokens.State valid(Optional<DeltaTokens.State> state, SimMailbox mailbox, String scope) {
        return state.filter(s -> s.mailboxId().equals(mailbox.id()) && s.scope().equals(scope) && s.epoch() == mailbox.epoch())
                .orElseThrow(() -> stale("the token is unknown, expired, or belongs to another folder or mailbox"));
    }

    private static GraphException stale(String why) {
        return new GraphException(410, "SyncStateNotFound",
                "The sync state generation is not found or has expired: " + why + ". Restart with a delta request without token.");
    }

    /** Forgets the rounds of a mailbox (its tokens expired). */
    void forget(String mailboxId) {
        rounds.values().removeIf(round -> round.mailboxId().equals(mailboxId));
    }

    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeIdleRounds() {
        long idle = config.roundIdleTimeout().toNanos();
        long now = System.nanoTime();
        rounds.values().removeIf(round -> now - round.lastUsed().get() > idle);
    }
}
