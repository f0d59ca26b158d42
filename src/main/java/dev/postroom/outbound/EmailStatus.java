package dev.postroom.outbound;

import java.util.Locale;

/** Where an email is on its way: queued → sending → sent | retrying (→ queued again) | failed. */
public enum EmailStatus {
    QUEUED, SENDING, SENT, RETRYING, FAILED;

    /** The name stored in the database and shown in the API. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EmailStatus of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public boolean isFinal() {
        return this == SENT || this == FAILED;
    }
}
