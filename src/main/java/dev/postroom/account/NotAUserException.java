package dev.postroom.account;

/** The caller is not a local user (an operator's service key): mailboxes belong to users. */
public class NotAUserException extends RuntimeException {

    public NotAUserException() {
        super("mailboxes belong to local users: call with a user's API key (POST /api/accounts creates one)");
    }
}
