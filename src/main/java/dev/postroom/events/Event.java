package dev.postroom.events;

import io.vertx.core.json.JsonObject;

/**
 * One live event as a follower receives it: its stream id (the SSE event id; orders the events of a topic), its
 * topic and its JSON ({@code type} names the kind, see docs/events.md). Followers share one {@code data} object per
 * event: read it, never change it.
 */
public record Event(String id, String topic, JsonObject data) {

    /** The event's {@code type} field (e.g. {@code message}, {@code sync}, {@code email}). */
    public String type() {
        return data.getString("type");
    }
}
