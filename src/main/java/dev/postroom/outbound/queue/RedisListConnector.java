package dev.postroom.outbound.queue;

import io.quarkus.redis.client.RedisClientName;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.list.Position;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.providers.helpers.MultiUtils;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A SmallRye Reactive Messaging connector over Redis lists, with the reliable-queue pattern.
 *
 * <ul>
 *   <li>Outgoing: each message's payload (a string) is {@code LPUSH}ed onto the list; the message is acknowledged once
 *       Redis has it, and nacked if Redis is unreachable.</li>
 *   <li>Incoming: {@code BLMOVE} takes the oldest item into this instance's processing list
 *       ({@code <list>:processing:<instance>}); acknowledging removes it from there. Nothing is lost between taking
 *       and finishing: a crash leaves the item in the processing list.</li>
 *   <li>Each instance keeps a heartbeat key alive ({@code <list>:alive:<instance>}, TTL = visibility timeout). Every
 *       instance regularly moves the items of instances whose heartbeat has expired back onto the list, so a dead
 *       consumer's jobs are delivered again after the visibility timeout. A nack puts the item back at once.</li>
 * </ul>
 *
 * <p>Use the channel's {@code concurrency} attribute to consume with several loops; each loop holds at most one item.
 */
@ApplicationScoped
@Connector(RedisListConnector.NAME)
@ConnectorAttribute(name = "list", type = "string", direction = Direction.INCOMING_AND_OUTGOING, mandatory = true,
        description = "The Redis list (key) used as the queue")
@ConnectorAttribute(name = "visibility-timeout", type = "string", direction = Direction.INCOMING, defaultValue = "PT2M",
        description = "After this time without a heartbeat, a consumer's items are delivered again (ISO-8601 duration)")
@ConnectorAttribute(name = "poll-timeout", type = "string", direction = Direction.INCOMING, defaultValue = "PT2S",
        description = "How long one BLMOVE waits for an item (ISO-8601 duration)")
public class RedisListConnector implements InboundConnector, OutboundConnector {

    public static final String NAME = "postroom-redis-list";
    private static final Logger LOG = Logger.getLogger(RedisListConnector.class);
    private static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(1);

    /** Moves every item of a dead consumer's processing list back to the consuming end of the queue. */
    private static final String REQUEUE_SCRIPT = """
            local moved = 0
            while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT') do moved = moved + 1 end
            return moved
            """;

    /** Removes one item from the processing list and puts it back on the queue, atomically. */
    private static final String NACK_SCRIPT = """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) > 0 then redis.call('RPUSH', KEYS[2], ARGV[1]) end
            return 1
            """;

    /** Only for BLMOVE: each waiting consumer holds one of its connections. */
    @Inject
    @RedisClientName("queue")
    ReactiveRedisDataSource blocking;

    /** Everything that does not block: pushes, acks, heartbeats. */
    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    Vertx vertx;

    private final String instance = UUID.randomUUID().toString();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** The queues this instance consumes, with their visibility timeouts: the heartbeat and the sweep need them. */
    private final Set<Queue> consumed = ConcurrentHashMap.newKeySet();

    private record Queue(String list, Duration visibilityTimeout) {
        String processing(String instance) {
            return list + ":processing:" + instance;
        }

        String alive(String instance) {
            return list + ":alive:" + instance;
        }

        String consumers() {
            return list + ":consumers";
        }
    }

    @PostConstruct
    void startHousekeeping() {
        vertx.setPeriodic(1000, 5000, id -> {
            if (running.get()) {
                consumed.forEach(queue -> heartbeatAndRecover(queue).subscribe().with(
                        ignored -> { },
                        failure -> LOG.debugf("queue housekeeping for %s failed: %s", queue.list(), failure.getMessage())));
            }
        });
    }

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config config) {
        Queue queue = new Queue(config.getValue("list", String.class),
                Duration.parse(config.getOptionalValue("visibility-timeout", String.class).orElse("PT2M")));
        Duration pollTimeout = Duration.parse(config.getOptionalValue("poll-timeout", String.class).orElse("PT2S"));
        consumed.add(queue);
        // One item per request: the subscriber asks for the next one when it has finished the previous one.
        return Multi.createBy().repeating()
                .uni(() -> take(queue, pollTimeout))
                .whilst(ignored -> running.get())
                .filter(Optional::isPresent)
                .map(item -> message(queue, item.get()));
    }

    private Uni<Optional<String>> take(Queue queue, Duration pollTimeout) {
        if (!running.get()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return blocking.list(String.class)
                .blmove(queue.list(), queue.processing(instance), Position.RIGHT, Position.LEFT, pollTimeout)
                .map(Optional::ofNullable)
                .onFailure().recoverWithUni(failure -> {
                    if (!running.get()) {
                        return Uni.createFrom().item(Optional.<String>empty()); // shutting down: the pool is closing
                    }
                    LOG.warnf("cannot take from Redis list %s (%s); trying again in %s", queue.list(), failure.getMessage(), RETRY_AFTER_ERROR);
                    return Uni.createFrom().item(Optional.<String>empty()).onItem().delayIt().by(RETRY_AFTER_ERROR);
                });
    }

    private Message<String> message(Queue queue, String item) {
        return Message.of(item,
                () -> redis.list(String.class).lrem(queue.processing(instance), 1, item)
                        .replaceWithVoid().subscribeAsCompletionStage(),
                failure -> redis.execute("EVAL", NACK_SCRIPT, "2", queue.processing(instance), queue.list(), item)
                        .replaceWithVoid().subscribeAsCompletionStage());
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        String list = config.getValue("list", String.class);
        return MultiUtils.via(messages -> messages
                .onItem().transformToUni(message -> redis.list(String.class).lpush(list, String.valueOf(message.getPayload()))
                        .onItemOrFailure().transformToUni((length, failure) -> Uni.createFrom().completionStage(
                                failure == null ? message.ack() : message.nack(failure))))
                .merge(256));
    }

    private Uni<Void> heartbeatAndRecover(Queue queue) {
        long ttlMillis = queue.visibilityTimeout().toMillis();
        return redis.value(String.class).psetex(queue.alive(instance), ttlMillis, "1")
                .chain(() -> redis.set(String.class).sadd(queue.consumers(), instance))
                .chain(() -> redis.set(String.class).smembers(queue.consumers()))
                .chain(members -> Multi.createFrom().iterable(members)
                        .filter(member -> !member.equals(instance))
                        .onItem().transformToUniAndConcatenate(member -> recoverIfDead(queue, member))
                        .collect().asList())
                .replaceWithVoid();
    }

    private Uni<Void> recoverIfDead(Queue queue, String member) {
        return redis.key().exists(queue.alive(member)).chain(alive -> {
            if (alive) {
                return Uni.createFrom().voidItem();
            }
            return redis.execute("EVAL", REQUEUE_SCRIPT, "2", queue.processing(member), queue.list())
                    .invoke(moved -> {
                        if (moved != null && moved.toLong() > 0) {
                            LOG.infof("re-queued %d item(s) of dead consumer %s on %s", moved.toLong(), member, queue.list());
                        }
                    })
                    .chain(() -> redis.set(String.class).srem(queue.consumers(), member))
                    .replaceWithVoid();
        });
    }

    /**
     * On a graceful stop, stop taking items, then hand back what this instance still holds so that another instance
     * delivers it without waiting for the visibility timeout. The atomic claim in PostgreSQL keeps a job that is
     * being finished right now from being sent twice.
     */
    void stop(@Observes ShutdownEvent event) {
        running.set(false);
        for (Queue queue : List.copyOf(consumed)) {
            try {
                redis.execute("EVAL", REQUEUE_SCRIPT, "2", queue.processing(instance), queue.list())
                        .chain(() -> redis.key().del(queue.alive(instance)))
                        .chain(() -> redis.set(String.class).srem(queue.consumers(), instance))
                        .await().atMost(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("could not hand back items of %s on shutdown: %s", queue.list(), e.getMessage());
            }
        }
    }

    /** This instance's consumer id, as it appears in the processing list's key. */
    public String instance() {
        return instance;
    }
}
