package dev.postroom.outbound;

/** An email could not be durably accepted because PostgreSQL or Redis is unavailable; nothing was recorded. */
public class QueueUnavailableException extends RuntimeException {

    public QueueUnavailableException(String what, Throwable cause) {
        super(what + " is unavailable", cause);
    }
}
