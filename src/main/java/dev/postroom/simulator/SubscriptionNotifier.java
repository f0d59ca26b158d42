package dev.postroom.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Graph's change notifications: the validation handshake when a subscription is made, then POSTs of batched
 * notifications to the notification URL, off the request threads (JDK HTTP client, asynchronously). Lossy on
 * purpose when asked ({@link Faults#notificationLossRate()}), and like Graph it gives up on a large backlog and sends
 * a {@code missed} lifecycle event instead: notifications are a hint to run a delta round, never the truth.
 */
@ApplicationScoped
class SubscriptionNotifier implements MailboxChangeListener {

    private static final Logger LOG = Logger.getLogger(SubscriptionNotifier.class);
    private static final int ATTEMPTS = 3;

    /** A subscription; its expiration changes on renewal, the rest never. */
    static final class Subscription {
        final String id = UUID.randomUUID().toString();
        final MailboxInfo mailbox;
        final String clientId;
        final String resource;
        final String folderId;
        final String changeType;
        final Set<String> changeTypes;
        final String notificationUrl;
        final String lifecycleUrl;
        final String clientState;
        volatile Instant expiration;
        final ConcurrentLinkedQueue<Map<String, Object>> pending = new ConcurrentLinkedQueue<>();
        final AtomicInteger pendingCount = new AtomicInteger();
        final AtomicBoolean flushing = new AtomicBoolean();
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong failed = new AtomicLong();

        Subscription(MailboxInfo mailbox, String clientId, String resource, String folderId, String changeType,
                String notificationUrl, String lifecycleUrl, String clientState, Instant expiration) {
            this.mailbox = mailbox;
            this.clientId = clientId;
            this.resource = resource;
            this.folderId = folderId;
            this.changeType = changeType;
            this.changeTypes = Set.of(changeType.split(","));
            this.notificationUrl = notificationUrl;
            this.lifecycleUrl = lifecycleUrl;
            this.clientState = clientState;
            this.expiration = expiration;
        }

        SubscriptionInfo info() {
            return new SubscriptionInfo(id, mailbox.address(), resource, changeType, notificationUrl, lifecycleUrl,
                    clientState, expiration, delivered.get(), lost.get(), failed.get());
        }
    }

    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final SimulatorConfig.Subscriptions config;
    private final SimClock clock;
    private final Throttle throttle;
    private final ObjectMapper json;
    private final SplittableRandom dice;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("simulator-notifier").daemon().factory());

    SubscriptionNotifier(SimulatorConfig config, SimClock clock, Throttle throttle, ObjectMapper json) {
        this.config = config.subscriptions();
        this.clock = clock;
        this.throttle = throttle;
        this.json = json;
        this.dice = new SplittableRandom(config.seed());
    }

    /**
     * Graph's validation: POST {@code url?validationToken=...}; the endpoint must answer 200 with the decoded token as
     * text within the validation timeout. Blocks the calling (worker) thread.
     */
    boolean validate(String url) {
        String token = "Validation: Testing client application reachability for subscription Request-Id: " + UUID.randomUUID();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + (url.contains("?") ? "&" : "?")
                            + "validationToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
                    .timeout(config.validationTimeout())
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && token.equals(response.body().strip());
        } catch (IOException | IllegalArgumentException e) {
            LOG.debugf("subscription validation of %s failed: %s", url, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    Subscription add(Subscription subscription) {
        subscriptions.put(subscription.id, subscription);
        return subscription;
    }

    /** The subscription if it exists, belongs to the mailbox and has not expired. */
    Subscription get(String mailboxId, String id) {
        Subscription subscription = id == null ? null : subscriptions.get(id);
        if (subscription == null || !subscription.mailbox.id().equals(mailboxId) || expired(subscription)) {
            throw new GraphException(404, "ResourceNotFound", "The object was not found.");
        }
        return subscription;
    }

    List<Subscription> of(String mailboxId) {
        return subscriptions.values().stream().filter(s -> s.mailbox.id().equals(mailboxId) && !expired(s)).toList();
    }

    void remove(String id) {
        subscriptions.remove(id);
    }

    @Override
    public void messageChanged(MailboxInfo mailbox, SimMessage before, SimMessage after) {
        for (Subscription subscription : subscriptions.values()) {
            if (!subscription.mailbox.id().equals(mailbox.id()) || expired(subscription)) {
                continue;
            }
            String changeType = changeType(subscription, before, after);
            if (changeType != null && subscription.changeTypes.contains(changeType)) {
                enqueue(subscription, notification(subscription, changeType, after != null ? after : before));
            }
        }
    }

    /** What a change is for this subscription: moves in and out of a subscribed folder are created and deleted. */
    private static String changeType(Subscription subscription, SimMessage before, SimMessage after) {
        if (subscription.folderId == null) {
            return before == null ? "created" : after == null ? "deleted" : "updated";
        }
        boolean wasIn = before != null && before.parentFolderId().equals(subscription.folderId);
        boolean isIn = after != null && after.parentFolderId().equals(subscription.folderId);
        return wasIn && isIn ? "updated" : isIn ? "created" : wasIn ? "deleted" : null;
    }

    private Map<String, Object> notification(Subscription subscription, String changeType, SimMessage message) {
        String resource = "Users/" + subscription.mailbox.id() + "/Messages/" + message.id();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("@odata.type", "#Microsoft.Graph.Message");
        data.put("@odata.id", resource);
        data.put("@odata.etag", "W/\"" + message.changeKey() + "\"");
        data.put("id", message.id());
        Map<String, Object> notification = new LinkedHashMap<>();
        notification.put("subscriptionId", subscription.id);
        notification.put("subscriptionExpirationDateTime", subscription.expiration.toString());
        notification.put("changeType", changeType);
        notification.put("resource", resource);
        notification.put("resourceData", data);
        notification.put("clientState", subscription.clientState);
        notification.put("tenantId", subscription.mailbox.tenantId());
        return notification;
    }

    private void enqueue(Subscription subscription, Map<String, Object> notification) {
        double lossRate = throttle.faults(subscription.mailbox.id()).notificationLossRate();
        if (lossRate > 0 && roll() < lossRate) {
            subscription.lost.incrementAndGet();
            return;
        }
        if (subscription.pendingCount.incrementAndGet() > config.maxPending()) {
            subscription.pendingCount.decrementAndGet();
            // Like Graph under bulk changes: drop the backlog, say "missed" once, and let the client run its deltas.
            int dropped = drain(subscription, Integer.MAX_VALUE).size();
            subscription.lost.addAndGet(dropped + 1);
            lifecycle(subscription, "missed");
            return;
        }
        subscription.pending.add(notification);
        scheduleFlush(subscription, config.batchDelay());
    }

    private synchronized double roll() {
        return dice.nextDouble();
    }

    private void scheduleFlush(Subscription subscription, Duration delay) {
        if (subscription.flushing.compareAndSet(false, true)) {
            try {
                scheduler.schedule(() -> flush(subscription), delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                subscription.flushing.set(false);
            }
        }
    }

    private void flush(Subscription subscription) {
        List<Map<String, Object>> batch = drain(subscription, config.maxBatch());
        if (batch.isEmpty()) {
            subscription.flushing.set(false);
            if (!subscription.pending.isEmpty()) {
                scheduleFlush(subscription, Duration.ZERO);
            }
            return;
        }
        post(subscription, subscription.notificationUrl, Map.of("value", batch), 1, batch.size(), () -> {
            subscription.flushing.set(false);
            if (!subscription.pending.isEmpty()) {
                scheduleFlush(subscription, Duration.ZERO);
            }
        });
    }

    private static List<Map<String, Object>> drain(Subscription subscription, int max) {
        List<Map<String, Object>> batch = new ArrayList<>();
        Map<String, Object> next;
        while (batch.size() < max && (next = subscription.pending.poll()) != null) {
            batch.add(next);
        }
        subscription.pendingCount.addAndGet(-batch.size());
        return batch;
    }

    /** POSTs a body; retries a failed POST a few times with a growing pause, then gives up on it. */
    private void post(Subscription subscription, String url, Map<String, Object> body, int attempt, int notifications, Runnable done) {
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(config.deliveryTimeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(text)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            if (failure == null && response.statusCode() / 100 == 2) {
                subscription.delivered.addAndGet(notifications);
                done.run();
                return;
            }
            subscription.failed.incrementAndGet();
            if (attempt < ATTEMPTS && !scheduler.isShutdown()) {
                scheduler.schedule(() -> post(subscription, url, body, attempt + 1, notifications, done),
                        500L * attempt, TimeUnit.MILLISECONDS);
            } else {
                subscription.lost.addAndGet(notifications);
                LOG.debugf("gave up on %d notifications to %s", notifications, url);
                done.run();
            }
        });
    }

    /** Sends a lifecycle event ({@code missed}, {@code subscriptionRemoved}, {@code reauthorizationRequired}). */
    void lifecycle(Subscription subscription, String event) {
        if ("subscriptionRemoved".equals(event)) {
            subscriptions.remove(subscription.id);
        }
        if (subscription.lifecycleUrl == null) {
            return;
        }
        Map<String, Object> notification = new LinkedHashMap<>();
        notification.put("subscriptionId", subscription.id);
        notification.put("subscriptionExpirationDateTime", subscription.expiration.toString());
        notification.put("tenantId", subscription.mailbox.tenantId());
        notification.put("clientState", subscription.clientState);
        notification.put("lifecycleEvent", event);
        post(subscription, subscription.lifecycleUrl, Map.of("value", List.of(notification)), 1, 0, () -> {
        });
    }

    private boolean expired(Subscription subscription) {
        return !clock.instant().isBefore(subscription.expiration);
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
        http.shutdownNow();
    }
}
