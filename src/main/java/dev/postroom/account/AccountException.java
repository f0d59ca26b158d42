package dev.postroom.account;

import java.util.List;

/**
 * A request about accounts that cannot be done; the web layer turns the {@link Reason} into the HTTP status.
 * Messages are safe to show: they never say whether an email has an account, except for sign-up's "taken".
 */
public class AccountException extends RuntimeException {

    public enum Reason {
        /** 400: {@link #errors()} names each field. */
        INVALID,
        /** 409: sign-up with an address that already has an account. */
        EMAIL_TAKEN,
        /** 401: wrong email or password (the same for both). */
        BAD_CREDENTIALS,
        /** 403: the caller is not a local user (an operator's service key). */
        NOT_A_USER,
        /** 404: no such thing of this user's (someone else's is "not found" too, so ids leak nothing). */
        NOT_FOUND
    }

    public record FieldError(String field, String message) {
    }

    private final Reason reason;
    private final List<FieldError> errors;

    public AccountException(Reason reason, String message) {
        super(message);
        this.reason = reason;
        this.errors = List.of();
    }

    static AccountException invalid(List<FieldError> errors) {
        return new AccountException(errors);
    }

    private AccountException(List<FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).reduce((a, b) -> a + "; " + b).orElse("invalid request"));
        this.reason = Reason.INVALID;
        this.errors = List.copyOf(errors);
    }

    public Reason reason() {
        return reason;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
