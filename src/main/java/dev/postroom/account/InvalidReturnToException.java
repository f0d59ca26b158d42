package dev.postroom.account;

/** A {@code returnTo} that is not on the allow-list: it would make Postroom an open redirector. */
public class InvalidReturnToException extends RuntimeException {

    public InvalidReturnToException(String message) {
        super(message);
    }
}
