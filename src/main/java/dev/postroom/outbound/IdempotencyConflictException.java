package dev.postroom.outbound;

/** The Idempotency-Key was already used for a different email. */
public class IdempotencyConflictException extends RuntimeException {

    public IdempotencyConflictException(String key) {
        super("Idempotency-Key '" + key + "' was already used for a different email");
    }
}
