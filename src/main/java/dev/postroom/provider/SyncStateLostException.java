package dev.postroom.provider;

/**
 * The provider no longer knows the delta link (Graph: 410 {@code SyncStateNotFound}, {@code resyncRequired},
 * {@code SyncStateInvalid}): the folder must be read again from scratch and what is not seen again removed.
 */
public class SyncStateLostException extends RuntimeException {

    public SyncStateLostException(String message) {
        super(message);
    }
}
