package dev.postroom.outbound;

import dev.postroom.outbound.EmailLogRepository.Accepted;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * Accepts an email for delivery: validates it, writes its log row (the outbox) and queues its job. Answers only once
 * both are durable; if either store is down, nothing is kept and the caller gets a
 * {@link QueueUnavailableException}.
 */
@ApplicationScoped
public class SendService {

    private static final Logger LOG = Logger.getLogger(SendService.class);

    private final SendRequestValidator validator;
    private final EmailLogRepository log;
    private final JobQueue queue;
    private final OutboundConfig config;
    private final DeliveryEvents events;

    public SendService(SendRequestValidator validator, EmailLogRepository log, JobQueue queue, OutboundConfig config,
            DeliveryEvents events) {
        this.validator = validator;
        this.log = log;
        this.queue = queue;
        this.config = config;
        this.events = events;
    }

    public Uni<Accepted> accept(String owner, SendRequest request, String idempotencyKey, String requestId) {
        OutgoingEmail email = validator.validate(request);
        UUID id = UUID.randomUUID();
        return log.insert(id, owner, email, requestId, idempotencyKey, config.delivery().requeueAfter())
                .onFailure(SendService::isUnreachable)
                .transform(failure -> new QueueUnavailableException("PostgreSQL", failure))
                .chain(accepted -> {
                    if (accepted.replayed()) {
                        return Uni.createFrom().item(accepted);
                    }
                    // Announced before the job is on the queue, so that a worker of this instance can't announce
                    // "sending" first. If queueing fails, a page may show it queued until reloaded (Redis is down
                    // then, so the announcement most likely fails too).
                    events.changed(queued(owner, email, accepted));
                    return enqueue(accepted);
                });
    }

    /** The accepted email's state: queued, no attempt yet. */
    private static EmailChange queued(String owner, OutgoingEmail email, Accepted accepted) {
        return new EmailChange(accepted.id(), owner, accepted.status(), 0, accepted.createdAt(), null, null, null, null,
                email.to().stream().map(Object::toString).toList(), email.subject());
    }

    /**
     * A store that can't be reached or won't serve (connection errors; SQLSTATE classes such as 08 connection, 53
     * resources, 55 "not accepting connections", 57 shutdown), as opposed to an error in what we asked of it
     * (classes 2x data and integrity, 42 syntax and access: a bug, answered 500).
     */
    private static boolean isUnreachable(Throwable failure) {
        if (failure instanceof IdempotencyConflictException) {
            return false;
        }
        if (failure instanceof PgException pg && pg.getSqlState() != null) {
            String sqlClass = pg.getSqlState().substring(0, 2);
            return !(sqlClass.startsWith("2") || sqlClass.equals("42"));
        }
        return true;
    }

    private Uni<Accepted> enqueue(Accepted accepted) {
        return queue.enqueue(accepted.id())
                .replaceWith(accepted)
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("could not queue email %s (%s); taking its log row back", accepted.id(), failure.getMessage());
                    // If this delete fails too, the row stays queued and the sweeper sends it once the stores are back.
                    return log.deleteQueued(accepted.id())
                            .onFailure().recoverWithNull()
                            .chain(() -> Uni.createFrom().failure(new QueueUnavailableException("Redis", failure)));
                });
    }
}
