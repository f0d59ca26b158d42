package dev.postroom.sync;

import dev.postroom.account.LinkApi;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.SubscriptionInfo;
import dev.postroom.testing.SyncEngineRunning;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Change notifications: each linked mailbox gets a subscription (the test profile turns them on; the simulator can
 * reach the test app), and a notification, or a {@code missed} lifecycle event, asks for a sync at once. A
 * notification without the subscription's client state changes nothing.
 */
@QuarkusTest
class SyncNotificationsTest extends SyncEngineRunning {

    static final Duration WAIT = Duration.ofMinutes(1);

    @Inject
    OutlookSimulator simulator;

    @Inject
    Pool pool;

    @Test
    void aSubscriptionIsMadeAndItsNotificationsAskForASync() {
        String address = LinkApi.unique("notified");
        simulator.createMailbox(address, "Notified", false);
        UUID mailbox = LinkApi.link(LinkApi.signUp(), address);
        engine.awaitQuiet(mailbox, WAIT).await().atMost(WAIT);

        List<SubscriptionInfo> subscriptions = simulator.subscriptions(address);
        assertEquals(1, subscriptions.size(), subscriptions.toString());
        SubscriptionInfo subscription = subscriptions.get(0);
        assertTrue(subscription.notificationUrl().endsWith(SyncEngine.NOTIFICATIONS_PATH), subscription.notificationUrl());
        assertTrue(subscription.lifecycleNotificationUrl().endsWith(SyncEngine.LIFECYCLE_PATH));
        assertTrue(subscription.expirationDateTime().isAfter(Instant.now().plus(Duration.ofHours(60))), "asked for ~70 h");

        Instant before = syncRequestedAt(mailbox);
        simulator.newMail(address, "Ping", "ping@example.org");
        Awaitility.await().atMost(WAIT).until(() -> simulator.subscriptions(address).get(0).delivered() > 0);
        Awaitility.await().atMost(WAIT).until(() -> syncRequestedAt(mailbox).isAfter(before));

        Instant afterNotification = syncRequestedAt(mailbox);
        simulator.triggerLifecycleEvent(address, "missed");
        Awaitility.await().atMost(WAIT).until(() -> syncRequestedAt(mailbox).isAfter(afterNotification));
    }

    @Test
    void theValidationHandshakeEchoesTheToken() {
        String token = given().queryParam("validationToken", "Validation: Token with spaces & more")
                .post(SyncEngine.NOTIFICATIONS_PATH).then().statusCode(200).contentType("text/plain")
                .extract().asString();
        assertEquals("Validation: Token with spaces & more", token);
    }

    @Test
    void aForgedNotificationAsksForNothing() {
        String address = LinkApi.unique("forged");
        simulator.createMailbox(address, "Forged", false);
        UUID mailbox = LinkApi.link(LinkApi.signUp(), address);
        engine.awaitQuiet(mailbox, WAIT).await().atMost(WAIT);
        Awaitility.await().atMost(WAIT).until(() -> !simulator.subscriptions(address).isEmpty());
        String subscriptionId = simulator.subscriptions(address).get(0).id();
        Instant before = syncRequestedAt(mailbox);

        given().contentType("application/json")
                .body(Map.of("value", List.of(Map.of("subscriptionId", subscriptionId, "clientState", "forged"))))
                .post(SyncEngine.NOTIFICATIONS_PATH).then().statusCode(202);
        given().contentType("application/json").body("{\"value\": 42}").post(SyncEngine.NOTIFICATIONS_PATH)
                .then().statusCode(400);

        // Give a wrongly accepted notification time to show.
        Awaitility.await().pollDelay(Duration.ofSeconds(1)).atMost(WAIT).until(() -> true);
        assertEquals(before, syncRequestedAt(mailbox));
    }

    private Instant syncRequestedAt(UUID mailbox) {
        OffsetDateTime at = pool.preparedQuery("SELECT sync_requested_at FROM linked_mailbox WHERE id = $1")
                .execute(Tuple.of(mailbox)).await().atMost(WAIT).iterator().next().getOffsetDateTime(0);
        return at.toInstant();
    }
}
