package dev.postroom.account;

import java.time.Instant;
import java.util.UUID;

/** A mailbox a user linked: which provider and account, and whether Postroom can still reach it. */
public record LinkedMailbox(UUID id, UUID userId, String provider, String address, String displayName, String externalId,
        Status status, Instant linkedAt, Instant updatedAt) {

    public enum Status {
        ACTIVE("active"),
        /** The provider refused the refresh token: the person must sign in again (re-link). */
        NEEDS_RELINK("needs_relink"),
        UNLINKED("unlinked");

        private final String value;

        Status(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        public static Status of(String value) {
            for (Status status : values()) {
                if (status.value.equals(value)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("unknown mailbox status " + value);
        }
    }
}
