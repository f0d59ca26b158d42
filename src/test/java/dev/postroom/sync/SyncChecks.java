package dev.postroom.sync;

import dev.postroom.search.MirrorQueries;
import dev.postroom.search.SearchIndices;
import dev.postroom.simulator.OutlookSimulator;

import java.time.Duration;
import java.util.UUID;

/** What the sync tests do at their end: a round of every folder after the last change, then an exact comparison. */
final class SyncChecks {

    private static final Duration WAIT = Duration.ofMinutes(3);

    private SyncChecks() {
    }

    static void syncNowAndCompare(SyncEngine engine, SearchIndices indices, MirrorQueries queries,
            OutlookSimulator simulator, UUID mailbox, String address) {
        engine.syncNowHere(mailbox, WAIT).await().atMost(WAIT);
        indices.refresh().await().atMost(WAIT);
        MirrorAssertions.assertExact(simulator.snapshot(address), queries.snapshot(mailbox).await().atMost(WAIT),
                queries.folders(mailbox).await().atMost(WAIT));
    }
}
