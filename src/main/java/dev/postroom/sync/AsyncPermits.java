package dev.postroom.sync;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * A semaphore for asynchronous work: {@link #run} starts the work when a permit is free and gives the permit back
 * when the work ends (item, failure or cancellation), without blocking a thread while it waits. First come, first
 * served. With one permit it is a lock that keeps a mailbox's writes in order.
 */
final class AsyncPermits {

    private final ArrayDeque<UniEmitter<? super Void>> waiting = new ArrayDeque<>();
    private int available;

    AsyncPermits(int permits) {
        this.available = permits;
    }

    <T> Uni<T> run(Supplier<Uni<T>> work) {
        return acquire().chain(() -> Uni.createFrom().deferred(work::get).onTermination().invoke(this::release));
    }

    private Uni<Void> acquire() {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (available == 0) {
                    waiting.addLast(emitter);
                    return;
                }
                available--;
            }
            emitter.complete(null);
        });
    }

    private void release() {
        UniEmitter<? super Void> next;
        synchronized (this) {
            next = waiting.pollFirst();
            if (next == null) {
                available++;
                return;
            }
        }
        next.complete(null); // the permit passes straight on
    }
}
