package dev.postroom.outbound;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * PostgreSQL is the source of truth: this sweeper puts back on the queue every job that needs to move and is not
 * moving — retries whose backoff is over, queued jobs that Redis lost (restarted or flushed), and jobs whose sender
 * died mid-delivery. A copy that is queued twice is harmless: the worker's claim lets only one through.
 */
@ApplicationScoped
public class OutboxSweeper {

    private static final Logger LOG = Logger.getLogger(OutboxSweeper.class);
    private static final int BATCH = 500;

    private final EmailLogRepository log;
    private final JobQueue queue;
    private final OutboundConfig.Delivery config;
    private final DeliveryEvents events;

    public OutboxSweeper(EmailLogRepository log, JobQueue queue, OutboundConfig config, DeliveryEvents events) {
        this.log = log;
        this.queue = queue;
        this.config = config.delivery();
        this.events = events;
    }

    @Scheduled(every = "${postroom.outbound.delivery.sweep-interval:PT2S}", delayed = "PT1S",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return sweepOnce()
                .onFailure().invoke(failure -> LOG.debugf("sweep skipped: %s", failure.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Re-queues due jobs, a batch at a time, until none is due; returns how many were queued. */
    public Uni<Integer> sweepOnce() {
        return log.takeDueForQueue(BATCH, config.requeueAfter())
                .invoke(requeued -> requeued.stream()
                        // A queued job that Redis lost is queued again, but its status did not change.
                        .filter(job -> job.was() != EmailStatus.QUEUED)
                        .forEach(job -> events.changed(job.email())))
                .chain(requeued -> Multi.createFrom().iterable(requeued)
                        .onItem().transformToUniAndMerge(job -> queue.enqueue(job.email().id()))
                        .collect().last()
                        .replaceWith(requeued.size()))
                .invoke(count -> {
                    if (count > 0) {
                        LOG.infof("re-queued %d due job(s)", count);
                    }
                })
                .chain(count -> count == BATCH ? sweepOnce().map(more -> count + more) : Uni.createFrom().item(count));
    }
}
