package dev.postroom.sync;

import dev.postroom.account.LinkApi;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.SearchIndices;
import dev.postroom.simulator.Faults;
import dev.postroom.simulator.Limits;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.ThrottleStats;
import dev.postroom.testing.SyncEngineRunning;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror stays exact under throttling, server errors, a killed engine and lost delta links. */
@QuarkusTest
class SyncResilienceTest extends SyncEngineRunning {

    static final Duration WAIT = Duration.ofMinutes(3);

    @Inject
    OutlookSimulator simulator;

    @Inject
    MirrorQueries queries;

    @Inject
    SearchIndices indices;

    @Test
    void underThrottlingAndServerErrorsTheMirrorConvergesWithinGraphsLimits() throws InterruptedException {
        String address = mailbox("throttled", 1_500, 5);
        UUID mailbox = link(address);
        // From the first sync request on: a small budget (Graph's fixed window runs out again and again, and answers
        // with the rest of the window as Retry-After), a 429 storm with fractional Retry-After, and 503s without one.
        simulator.setLimits(address, new Limits(20, Duration.ofSeconds(2), 4));
        simulator.setFaults(address, Faults.none().withThrottling(0.2, Duration.ofMillis(350))
                .withUnavailability(0.1, null));

        new MailboxMutations(simulator, address, 5).run(100, 10);
        SyncChecks.syncNowAndCompare(engine, indices, queries, simulator, mailbox, address);

        ThrottleStats stats = simulator.stats(address);
        assertTrue(stats.throttled() > 0 && stats.unavailable() > 0, "the faults happened: " + stats);
        assertTrue(stats.maxConcurrent() <= 4, "at most 4 requests in flight: " + stats);
        assertEquals(0, stats.duringRetryAfter(), "no request while a Retry-After ran: " + stats);
    }

    @Test
    void aThrottledMailboxDoesNotHoldUpAnother() throws InterruptedException {
        String stormy = mailbox("stormy", 200, 6);
        String calm = mailbox("calm", 500, 7);
        UUID stormyId = link(stormy);
        // From now on every request of this mailbox is refused with a 20 s Retry-After.
        simulator.setFaults(stormy, Faults.none().withThrottling(1.0, Duration.ofSeconds(20)));
        simulator.resetStats(stormy);
        UUID calmId = link(calm);

        SyncChecks.syncNowAndCompare(engine, indices, queries, simulator, calmId, calm);

        SyncStateDoc waiting = engine.liveState(stormyId).orElseThrow();
        assertEquals("waiting", waiting.phase(), "the stormy mailbox waits out its Retry-After: " + waiting);
        ThrottleStats stats = simulator.stats(stormy);
        assertEquals(0, stats.duringRetryAfter(), "and sends nothing meanwhile: " + stats);
        assertEquals(0, stats.admitted(), stats.toString());
        assertTrue(stats.requests() <= 4, "a request per slot at most before the first 429 came back: " + stats);
        simulator.setFaults(stormy, Faults.none());
    }

    @Test
    void anEngineKilledDuringTheInitialSyncResumesWithNothingLostOrDuplicated() throws InterruptedException {
        String address = mailbox("killed", 4_000, 8);
        simulator.setFaults(address, Faults.none().withLatency(Duration.ofMillis(40)));
        UUID mailbox = link(address);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (engine.liveState(mailbox).map(SyncStateDoc::messagesIndexed).orElse(0L) < 1_000) {
            assertTrue(System.nanoTime() < deadline, "the initial sync got going");
            Thread.sleep(20);
        }

        engine.crash();   // like kill -9: nothing saved on the way out, the lease stays until it runs out
        new MailboxMutations(simulator, address, 8).run(60, 0);
        engine.start();   // a new process: takes the mailbox over once the old lease ran out
        simulator.setFaults(address, Faults.none());

        SyncChecks.syncNowAndCompare(engine, indices, queries, simulator, mailbox, address);
    }

    @Test
    void lostDeltaLinksAreRecoveredByReadingTheFolderAgain() throws InterruptedException {
        String address = mailbox("expired", 800, 9);
        UUID mailbox = link(address);
        SyncChecks.syncNowAndCompare(engine, indices, queries, simulator, mailbox, address);

        simulator.expireDeltaTokens(address);   // every stored link now answers 410 SyncStateNotFound
        new MailboxMutations(simulator, address, 9).run(80, 0);

        SyncChecks.syncNowAndCompare(engine, indices, queries, simulator, mailbox, address);
    }

    private String mailbox(String prefix, int messages, long seed) {
        String address = LinkApi.unique(prefix);
        simulator.createMailbox(address, prefix, false);
        simulator.generateMessages(address, messages, seed);
        return address;
    }

    private static UUID link(String address) {
        return LinkApi.link(LinkApi.signUp(), address);
    }
}
