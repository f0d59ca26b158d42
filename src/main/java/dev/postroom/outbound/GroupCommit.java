package dev.postroom.outbound;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Group commit for database writes: items submitted while {@code maxInFlight} batches are already running wait and
 * go together in the next batch. Under light load every item is written alone, at once; under heavy load one
 * statement and one commit serve many items, which is what keeps PostgreSQL's CPU and WAL flushes per email low.
 *
 * <p>{@code flush} gets a batch and returns one result per item, in order. Each caller is resumed on its own Vert.x
 * context, so request handling continues where it started.
 */
final class GroupCommit<I, O> {

    private record Pending<I, O>(I item, UniEmitter<? super O> emitter, Context context) {
    }

    private final Function<List<I>, Uni<List<O>>> flush;
    private final int maxBatch;
    private final int maxInFlight;
    private final Queue<Pending<I, O>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    GroupCommit(int maxBatch, int maxInFlight, Function<List<I>, Uni<List<O>>> flush) {
        this.flush = flush;
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
    }

    Uni<O> submit(I item) {
        return Uni.createFrom().emitter(emitter -> {
            queue.add(new Pending<>(item, emitter, Vertx.currentContext()));
            drain();
        });
    }

    private void drain() {
        while (!queue.isEmpty()) {
            int running = inFlight.get();
            if (running >= maxInFlight) {
                return; // the batch that finishes next picks these up
            }
            if (!inFlight.compareAndSet(running, running + 1)) {
                continue;
            }
            List<Pending<I, O>> batch = new ArrayList<>();
            Pending<I, O> next;
            while (batch.size() < maxBatch && (next = queue.poll()) != null) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                inFlight.decrementAndGet();
                continue;
            }
            run(batch);
        }
    }

    private void run(List<Pending<I, O>> batch) {
        Uni<List<O>> results;
        try {
            results = flush.apply(batch.stream().map(Pending::item).toList());
        } catch (RuntimeException e) {
            results = Uni.createFrom().failure(e);
        }
        results.subscribe().with(
                values -> {
                    inFlight.decrementAndGet();
                    for (int i = 0; i < batch.size(); i++) {
                        O value = values.get(i);
                        resume(batch.get(i), pending -> pending.emitter().complete(value));
                    }
                    drain();
                },
                failure -> {
                    inFlight.decrementAndGet();
                    batch.forEach(pending -> resume(pending, p -> p.emitter().fail(failure)));
                    drain();
                });
    }

    private void resume(Pending<I, O> pending, java.util.function.Consumer<Pending<I, O>> action) {
        if (pending.context() == null || pending.context() == Vertx.currentContext()) {
            action.accept(pending);
        } else {
            pending.context().runOnContext(ignored -> action.accept(pending));
        }
    }
}
