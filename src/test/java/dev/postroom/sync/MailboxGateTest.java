package dev.postroom.sync;

import dev.postroom.provider.ProviderUnavailableException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-mailbox gate on its own (no provider): limits in flight, the sliding budget, Retry-After, retries. */
class MailboxGateTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    @Test
    void neverMoreThanTheLimitInFlight() {
        MailboxGate gate = gate(limits(4, 10_000, Duration.ofMinutes(10), 3));
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Uni<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(gate.call(() -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                return after(20).invoke(() -> inFlight.decrementAndGet()).replaceWith(1);
            }));
        }
        Uni.join().all(calls).andFailFast().await().atMost(Duration.ofSeconds(10));
        assertEquals(4, most.get());
    }

    @Test
    void aRetryAfterHoldsEveryRequestOfTheMailboxAndTheRefusedOneIsTriedAgain() {
        List<Long> pauses = new CopyOnWriteArrayList<>();
        MailboxGate gate = new MailboxGate(vertx, limits(4, 10_000, Duration.ofMinutes(10), 3),
                new AsyncPermits(64), pauses::add);
        AtomicInteger attempts = new AtomicInteger();
        long start = System.currentTimeMillis();
        Uni<String> refusedOnce = gate.call(() -> attempts.incrementAndGet() == 1
                ? Uni.createFrom().failure(new ProviderUnavailableException("429", Duration.ofMillis(400), true))
                : Uni.createFrom().item("second try"));
        assertEquals("second try", refusedOnce.await().atMost(Duration.ofSeconds(5)));
        long startedLater = gate.call(() -> Uni.createFrom().item(System.currentTimeMillis()))
                .await().atMost(Duration.ofSeconds(5));

        assertEquals(2, attempts.get());
        assertEquals(1, pauses.size(), "the pause was announced");
        assertTrue(startedLater - start >= 400, "nothing ran during the Retry-After: " + (startedLater - start) + " ms");
    }

    @Test
    void theBudgetHoldsRequestsUntilTheWindowHasRoom() {
        MailboxGate gate = gate(limits(4, 5, Duration.ofSeconds(1), 1));
        List<Long> started = new CopyOnWriteArrayList<>();
        List<Uni<Long>> calls = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            calls.add(gate.call(() -> {
                long now = System.currentTimeMillis();
                started.add(now);
                return Uni.createFrom().item(now);
            }));
        }
        Uni.join().all(calls).andFailFast().await().atMost(Duration.ofSeconds(10));
        List<Long> sorted = started.stream().sorted().toList();
        assertTrue(sorted.get(5) - sorted.get(0) >= 1_000, "the 6th waited for the window: " + sorted);
    }

    @Test
    void givesUpAfterTheConfiguredAttempts() {
        MailboxGate gate = gate(limits(4, 10_000, Duration.ofMinutes(10), 3));
        AtomicInteger attempts = new AtomicInteger();
        Uni<Object> failing = gate.call(() -> {
            attempts.incrementAndGet();
            return Uni.createFrom().failure(new ProviderUnavailableException("503", Duration.ofMillis(10), false));
        });
        try {
            failing.await().atMost(Duration.ofSeconds(5));
        } catch (ProviderUnavailableException expected) {
            // after the last attempt the failure goes to the caller
        }
        assertEquals(3, attempts.get());
    }

    private MailboxGate gate(SyncConfig.Limits limits) {
        return new MailboxGate(vertx, limits, new AsyncPermits(64), until -> {
        });
    }

    private Uni<Void> after(long millis) {
        return Uni.createFrom().emitter(emitter -> vertx.setTimer(millis, id -> emitter.complete(null)));
    }

    private static SyncConfig.Limits limits(int concurrent, int perWindow, Duration window, int attempts) {
        return new SyncConfig.Limits() {
            public int concurrentRequests() {
                return concurrent;
            }

            public int requestsPerWindow() {
                return perWindow;
            }

            public Duration window() {
                return window;
            }

            public Duration backoffMin() {
                return Duration.ofMillis(10);
            }

            public Duration backoffMax() {
                return Duration.ofMillis(100);
            }

            public int attempts() {
                return attempts;
            }
        };
    }
}
