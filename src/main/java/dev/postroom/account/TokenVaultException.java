package dev.postroom.account;

/** A sealed value cannot be opened: its key is gone, or the bytes were altered or moved. Never carries a token. */
public class TokenVaultException extends RuntimeException {

    public TokenVaultException(String message) {
        super(message);
    }
}
