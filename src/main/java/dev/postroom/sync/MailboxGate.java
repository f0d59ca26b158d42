package dev.postroom.sync;

import dev.postroom.provider.ProviderUnavailableException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Every request to one mailbox's provider passes here, so that the mailbox stays within what the provider allows and
 * a throttled or failing mailbox waits on its own, never holding up the others (there is one gate per mailbox and no
 * global breaker):
 * <ul>
 *   <li>at most {@code concurrentRequests} in flight;</li>
 *   <li>at most {@code requestsPerWindow} within any window: counted in tenths of the window over the last eleven
 *       tenths, which over-counts a little and so keeps every window the provider may count within the budget;</li>
 *   <li>after a refusal with {@code Retry-After}, nothing until it has passed (all requests of the mailbox, not only
 *       the refused one); without it, exponential backoff with jitter;</li>
 *   <li>a failed attempt is tried again, through the gate, up to {@code attempts} times.</li>
 * </ul>
 * Non-blocking: a request that must wait is queued and started by a timer or by the request that frees its slot.
 */
final class MailboxGate {

    private static final int BUCKETS = 11;

    private final Vertx vertx;
    private final SyncConfig.Limits limits;
    private final AsyncPermits instanceRequests;
    private final long bucketMillis;
    private final LongConsumer onPause;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private final int[] counts = new int[BUCKETS];
    private final long[] bucketOf = new long[BUCKETS];
    private int inFlight;
    private long pausedUntil;
    private int failuresInRow;
    private long timer = -1;
    private boolean closed;

    /**
     * @param instanceRequests the instance's bound on requests in flight, taken after this mailbox's own limits
     * @param onPause          told the instant (epoch ms) until which the provider asked this mailbox to wait
     */
    MailboxGate(Vertx vertx, SyncConfig.Limits limits, AsyncPermits instanceRequests, LongConsumer onPause) {
        this.vertx = vertx;
        this.limits = limits;
        this.instanceRequests = instanceRequests;
        this.bucketMillis = Math.max(1, limits.window().toMillis() / (BUCKETS - 1));
        this.onPause = onPause;
    }

    /** Runs the request when the gate allows, trying again on {@link ProviderUnavailableException}. */
    <T> Uni<T> call(Supplier<Uni<T>> request) {
        return attempt(request, 1);
    }

    private <T> Uni<T> attempt(Supplier<Uni<T>> request, int attempt) {
        return acquire().chain(() -> instanceRequests.run(request)
                .onItemOrFailure().transformToUni((item, failure) -> {
                    release(failure);
                    if (failure == null) {
                        return Uni.createFrom().item(item);
                    }
                    if (failure instanceof ProviderUnavailableException && attempt < limits.attempts() && !isClosed()) {
                        return attempt(request, attempt + 1);
                    }
                    return Uni.createFrom().failure(failure);
                }));
    }

    /** Epoch ms until which requests wait for the provider (0 or past: not waiting). */
    synchronized long pausedUntil() {
        return pausedUntil;
    }

    /** Fails whatever still waits and refuses new requests (the mailbox is no longer synced here). */
    void close() {
        ArrayDeque<Runnable> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayDeque<>(waiting);
            waiting.clear();
            cancelTimer();
        }
        dropped.forEach(Runnable::run); // each sees closed and fails
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private Uni<Void> acquire() {
        return Uni.createFrom().emitter(emitter -> {
            Runnable tryStart = new Runnable() {
                @Override
                public void run() {
                    synchronized (MailboxGate.this) {
                        if (closed) {
                            emitter.fail(new GateClosedException());
                            return;
                        }
                        long now = System.currentTimeMillis();
                        if (now < pausedUntil || inFlight >= limits.concurrentRequests() || !hasRoom(now)) {
                            waiting.addLast(this);
                            scheduleWake(now);
                            return;
                        }
                        inFlight++;
                        count(now);
                    }
                    emitter.complete(null);
                }
            };
            tryStart.run();
        });
    }

    private void release(Throwable failure) {
        long pauseSet = 0;
        synchronized (this) {
            inFlight--;
            if (failure instanceof ProviderUnavailableException unavailable) {
                long now = System.currentTimeMillis();
                long wait = unavailable.retryAfter().map(Duration::toMillis).orElseGet(this::backoffMillis);
                failuresInRow++;
                if (now + wait > pausedUntil) {
                    pausedUntil = now + wait;
                    pauseSet = pausedUntil;
                }
            } else if (failure == null) {
                failuresInRow = 0;
            }
        }
        if (pauseSet > 0) {
            onPause.accept(pauseSet);
        }
        wakeWaiting();
    }

    /** Starts queued requests that may go now; those that may not queue themselves again (in order). */
    private void wakeWaiting() {
        ArrayDeque<Runnable> ready;
        synchronized (this) {
            cancelTimer();
            ready = new ArrayDeque<>(waiting);
            waiting.clear();
        }
        ready.forEach(Runnable::run);
    }

    /** A timer for when a waiting request could start: the pause's end, or room in the window. */
    private void scheduleWake(long now) {
        if (timer != -1) {
            return;
        }
        long at = Math.max(pausedUntil, now + 1);
        if (!hasRoom(now)) {
            at = Math.max(at, roomAt(now));
        }
        if (inFlight >= limits.concurrentRequests() && at <= now + 1) {
            return; // a release will wake it
        }
        timer = vertx.setTimer(Math.max(1, at - now), id -> {
            synchronized (this) {
                timer = -1;
            }
            wakeWaiting();
        });
    }

    private void cancelTimer() {
        if (timer != -1) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private long backoffMillis() {
        long min = limits.backoffMin().toMillis();
        long max = limits.backoffMax().toMillis();
        long exponential = min << Math.min(20, failuresInRow);
        long capped = Math.min(max, exponential);
        // Full jitter on the upper half: mailboxes that failed together do not retry together.
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    private boolean hasRoom(long now) {
        long current = now / bucketMillis;
        int sum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (bucketOf[i] > current - BUCKETS) {
                sum += counts[i];
            }
        }
        return sum < limits.requestsPerWindow();
    }

    /** When the oldest counted tenth leaves the window. */
    private long roomAt(long now) {
        long current = now / bucketMillis;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] > 0 && bucketOf[i] > current - BUCKETS) {
                oldest = Math.min(oldest, bucketOf[i]);
            }
        }
        return oldest == Long.MAX_VALUE ? 0 : (oldest + BUCKETS) * bucketMillis;
    }

    private void count(long now) {
        long current = now / bucketMillis;
        int slot = (int) (current % BUCKETS);
        if (bucketOf[slot] != current) {
            bucketOf[slot] = current;
            counts[slot] = 0;
        }
        counts[slot]++;
    }

    /** The mailbox stopped being synced here while a request waited. */
    static final class GateClosedException extends RuntimeException {
        GateClosedException() {
            super("the mailbox is no longer synced by this instance", null, false, false);
        }
    }
}
