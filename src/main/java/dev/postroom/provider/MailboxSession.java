package dev.postroom.provider;

import java.util.Objects;
import java.util.UUID;

/**
 * Who is read and with what: the linked mailbox (its id is the mirror's account id), its address and a valid access
 * token. Its {@code toString} hides the token (see {@link AccessToken}).
 */
public record MailboxSession(UUID accountId, String address, AccessToken token) {

    public MailboxSession {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(token, "token");
    }

    public MailboxSession withToken(AccessToken fresh) {
        return new MailboxSession(accountId, address, fresh);
    }
}
