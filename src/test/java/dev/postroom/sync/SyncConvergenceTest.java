package dev.postroom.sync;

import dev.postroom.account.LinkApi;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.SearchIndices;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.testing.SyncEngineRunning;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.UUID;

/**
 * The mirror converges: a mailbox of thousands of messages is linked, people change it at random while the initial
 * sync runs and after, and once everything is quiet the index equals the mailbox exactly, field by field.
 */
@QuarkusTest
class SyncConvergenceTest extends SyncEngineRunning {

    static final Duration QUIET = Duration.ofMinutes(3);

    @Inject
    OutlookSimulator simulator;

    @Inject
    MirrorQueries queries;

    @Inject
    SearchIndices indices;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 23, 37})
    void randomChangesDuringAndAfterTheInitialSyncEndInAnExactMirror(long seed) throws InterruptedException {
        String address = LinkApi.unique("converge");
        simulator.createMailbox(address, "Convergence " + seed, false);
        simulator.generateMessages(address, 3_000, seed);
        UUID mailbox = LinkApi.link(LinkApi.signUp(), address);

        MailboxMutations people = new MailboxMutations(simulator, address, seed);
        people.run(150, 10);   // while the initial sync pages
        engine.awaitQuiet(mailbox, QUIET).await().atMost(QUIET);
        people.run(150, 5);    // and after it

        SyncChecks.syncNowAndCompare(engine, indices, queries, simulator, mailbox, address);
    }
}
