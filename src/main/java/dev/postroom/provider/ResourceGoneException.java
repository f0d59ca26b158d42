package dev.postroom.provider;

/**
 * What was asked for no longer exists at the provider: a folder that was deleted (Graph: 404 {@code ErrorItemNotFound}
 * on its message delta) or a subscription that expired or was removed.
 */
public class ResourceGoneException extends RuntimeException {

    public ResourceGoneException(String message) {
        super(message);
    }
}
