package dev.postroom.account;

/** The {@code state} of an OAuth callback does not name a link in progress that may still be completed. */
public class LinkStateException extends RuntimeException {

    public enum Reason {
        /** The callback came without a state. */
        MISSING,
        /** No link was started with this state (forged, mistyped, or older than a day). */
        UNKNOWN,
        /** Started more than 10 minutes ago. */
        EXPIRED,
        /** Completed already: a callback is good once. */
        USED
    }

    private final Reason reason;

    public LinkStateException(Reason reason) {
        super(switch (reason) {
            case MISSING -> "the callback has no state parameter";
            case UNKNOWN -> "no link was started with this state";
            case EXPIRED -> "the link was started more than 10 minutes ago and has expired";
            case USED -> "this link was already completed; a sign-in answer can be used only once";
        });
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
