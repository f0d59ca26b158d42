package dev.postroom.events;

import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes events for producers whose own work must never wait for, or fail because of, a page's live view (the
 * delivery worker at thousands of emails a second). {@link #offer} returns at once; events queue in memory and go
 * to Redis in one call per batch, one batch at a time (so they keep their order). Under light load each event goes
 * alone at once; under heavy load, many share a call.
 *
 * <p>Live events are a convenience, not a record (the delivery log in PostgreSQL is): when Redis is down or slow, a
 * batch fails or times out and is dropped, and past {@value #MAX_QUEUED} waiting events new ones are dropped too.
 * Both are logged at debug level; a page that missed events shows the truth again when it is reloaded.
 */
@ApplicationScoped
public class BackgroundPublisher {

    static final int MAX_QUEUED = 10_000;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(5);
    private static final Logger LOG = Logger.getLogger(BackgroundPublisher.class);

    private final Redis redis;
    private final Queue<EventPublisher.Outgoing> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean sending = new AtomicBoolean();

    public BackgroundPublisher(Redis redis) {
        this.redis = redis;
    }

    /** Queues one event of {@code topic} for publishing; never blocks, never throws. */
    public void offer(String topic, JsonObject event) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            LOG.debugf("live event of %s dropped: %d events already wait for Redis", topic, MAX_QUEUED);
            return;
        }
        queue.add(new EventPublisher.Outgoing(topic, event));
        sendNextBatch();
    }

    private void sendNextBatch() {
        if (queue.isEmpty() || !sending.compareAndSet(false, true)) {
            return; // the batch in flight sends the next one when it is done
        }
        List<EventPublisher.Outgoing> batch = new ArrayList<>(Math.min(EventPublisher.MAX_EVENTS_PER_CALL, queued.get()));
        EventPublisher.Outgoing next;
        while (batch.size() < EventPublisher.MAX_EVENTS_PER_CALL && (next = queue.poll()) != null) {
            batch.add(next);
        }
        queued.addAndGet(-batch.size());
        if (batch.isEmpty()) {
            batchDone(); // another sender took the queue meanwhile; an event offered since must not wait
            return;
        }
        redis.send(EventPublisher.appendAndAnnounce(batch))
                .ifNoItem().after(BATCH_TIMEOUT).fail()
                .subscribe().with(
                        ignored -> batchDone(),
                        failure -> {
                            LOG.debugf("%d live event(s) dropped: %s", batch.size(), failure.toString());
                            batchDone();
                        });
    }

    private void batchDone() {
        sending.set(false);
        sendNextBatch();
    }
}
