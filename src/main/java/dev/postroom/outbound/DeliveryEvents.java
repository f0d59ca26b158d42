package dev.postroom.outbound;

import dev.postroom.events.BackgroundPublisher;
import dev.postroom.events.Topics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/**
 * Announces every change of an email's status on its owner's deliveries topic, for the live delivery log
 * (docs/events.md). Fire-and-forget through {@link BackgroundPublisher}: sending never waits for it and never fails
 * because of it.
 */
@ApplicationScoped
public class DeliveryEvents {

    private final BackgroundPublisher publisher;

    public DeliveryEvents(BackgroundPublisher publisher) {
        this.publisher = publisher;
    }

    public void changed(EmailChange email) {
        publisher.offer(Topics.deliveries(email.owner()), json(email));
    }

    /** The event: the fields of a delivery log entry that change, with {@code to} and {@code subject} to name it. */
    static JsonObject json(EmailChange email) {
        JsonObject error = email.errorCode() == null && email.errorMessage() == null ? null
                : new JsonObject().put("code", email.errorCode()).put("message", email.errorMessage());
        return new JsonObject()
                .put("type", "email")
                .put("id", email.id().toString())
                .put("status", email.status().value())
                .put("attempts", email.attempts())
                .put("createdAt", text(email.createdAt()))
                .put("sentAt", text(email.sentAt()))
                .put("failedAt", text(email.failedAt()))
                .put("error", error)
                .put("to", new JsonArray(email.to()))
                .put("subject", email.subject());
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
