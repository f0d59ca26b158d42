package dev.postroom.simulator;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static dev.postroom.simulator.Sim.graph;
import static dev.postroom.simulator.Sim.signIn;
import static dev.postroom.simulator.Sim.uniqueAddress;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Change notifications: the validation handshake, notifications on change, renewal, removal and lifecycle events. */
@QuarkusTest
class SubscriptionTest {

    @Inject
    OutlookSimulator simulator;

    @ConfigProperty(name = "postroom.public-url")
    String publicUrl;

    private String subscription(String token, String resource, String hook, String lifecycleHook) {
        return "{\"changeType\":\"created,updated,deleted\",\"notificationUrl\":\"" + publicUrl + "/test-webhooks/" + hook + "\","
                + (lifecycleHook == null ? "" : "\"lifecycleNotificationUrl\":\"" + publicUrl + "/test-webhooks/" + lifecycleHook + "\",")
                + "\"resource\":\"" + resource + "\",\"expirationDateTime\":\"" + Instant.now().plus(Duration.ofHours(1)) + "\","
                + "\"clientState\":\"secret-state\"}";
    }

    @Test
    void aValidatedSubscriptionIsNotifiedOfChanges() {
        String address = uniqueAddress("sub");
        simulator.createMailbox(address, null, false);
        String token = signIn(address).accessToken();
        String hook = "hook-" + UUID.randomUUID();
        String id = graph(token).contentType("application/json").body(subscription(token, "/me/messages", hook, null))
                .post(Sim.GRAPH + "/subscriptions").then().statusCode(201)
                .body("id", notNullValue()).body("resource", is("/me/messages")).body("clientState", is("secret-state"))
                .extract().path("id");

        SimMessage message = simulator.newMail(address, "Notify me", "someone@example.org");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !WebhookReceiver.received(hook).isEmpty());
        String notification = WebhookReceiver.received(hook).get(0);
        assertTrue(notification.contains("\"subscriptionId\":\"" + id + "\""), notification);
        assertTrue(notification.contains("\"changeType\":\"created\""), notification);
        assertTrue(notification.contains("\"clientState\":\"secret-state\""), notification);
        assertTrue(notification.contains("\"id\":\"" + message.id() + "\""), notification);

        simulator.markRead(address, message.id(), true);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> WebhookReceiver.received(hook).stream().anyMatch(n -> n.contains("\"changeType\":\"updated\"")));

        String renewed = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS).toString();
        graph(token).contentType("application/json").body("{\"expirationDateTime\":\"" + renewed + "\"}")
                .patch(Sim.GRAPH + "/subscriptions/" + id).then().statusCode(200).body("expirationDateTime", is(renewed));
        graph(token).delete(Sim.GRAPH + "/subscriptions/" + id).then().statusCode(204);
        graph(token).get(Sim.GRAPH + "/subscriptions/" + id).then().statusCode(404);
        assertEquals(0, simulator.subscriptions(address).size());
    }

    @Test
    void aFolderSubscriptionSeesMovesInAsCreatedAndAnEndpointThatFailsValidationIsRefused() {
        String address = uniqueAddress("subf");
        simulator.createMailbox(address, null, false);
        String token = signIn(address).accessToken();
        String hook = "hook-" + UUID.randomUUID();
        graph(token).contentType("application/json").body(subscription(token, "me/mailFolders('archive')/messages", hook, null))
                .post(Sim.GRAPH + "/subscriptions").then().statusCode(201);
        SimMessage message = simulator.newMail(address, "Not in archive", "someone@example.org");
        simulator.move(address, message.id(), "archive");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !WebhookReceiver.received(hook).isEmpty());
        assertTrue(WebhookReceiver.received(hook).get(0).contains("\"changeType\":\"created\""));
        assertTrue(WebhookReceiver.received(hook).get(0).contains("\"id\":\"" + message.id() + "\""));

        graph(token).contentType("application/json").body(subscription(token, "/me/messages", "refuse-" + UUID.randomUUID(), null))
                .post(Sim.GRAPH + "/subscriptions").then().statusCode(400).body("error.code", is("ValidationError"));
        String tooLong = subscription(token, "/me/messages", hook, null)
                .replaceAll("\"expirationDateTime\":\"[^\"]+\"", "\"expirationDateTime\":\"" + Instant.now().plus(Duration.ofDays(4)) + "\"");
        graph(token).contentType("application/json").body(tooLong).post(Sim.GRAPH + "/subscriptions").then().statusCode(400);
    }

    @Test
    void lifecycleEventsAndLostNotificationsCanBeInjected() {
        String address = uniqueAddress("life");
        simulator.createMailbox(address, null, false);
        String token = signIn(address).accessToken();
        String hook = "hook-" + UUID.randomUUID();
        String lifecycle = "life-" + UUID.randomUUID();
        graph(token).contentType("application/json").body(subscription(token, "/me/messages", hook, lifecycle))
                .post(Sim.GRAPH + "/subscriptions").then().statusCode(201);

        simulator.triggerLifecycleEvent(address, "missed");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !WebhookReceiver.received(lifecycle).isEmpty());
        assertTrue(WebhookReceiver.received(lifecycle).get(0).contains("\"lifecycleEvent\":\"missed\""));

        simulator.setFaults(address, Faults.none().withNotificationLoss(1.0));
        try {
            simulator.newMail(address, "Lost", "someone@example.org");
            assertEquals(1, simulator.subscriptions(address).get(0).lost());
        } finally {
            simulator.setFaults(address, null);
        }
        assertTrue(WebhookReceiver.received(hook).isEmpty());
    }
}
