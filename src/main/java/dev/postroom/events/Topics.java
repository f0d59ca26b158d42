package dev.postroom.events;

import java.util.UUID;

/** The topics of live events and their Redis keys: one place, so no key string is spread through the code. */
public final class Topics {

    private Topics() {
    }

    /** Changes and sync progress of one linked mailbox (published by the sync engine). */
    public static String mailbox(UUID mailboxId) {
        return "mailbox:" + mailboxId;
    }

    /** Delivery log changes of one owner of API keys (a user, or a service key's name). */
    public static String deliveries(String ownerId) {
        return "deliveries:" + ownerId;
    }

    public static String streamKey(String topic) {
        return "postroom:events:" + topic;
    }
}
