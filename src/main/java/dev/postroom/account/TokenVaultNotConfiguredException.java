package dev.postroom.account;

/** No token vault key is configured, so no token may be stored: linking is refused (503) until one is. */
public class TokenVaultNotConfiguredException extends RuntimeException {

    public TokenVaultNotConfiguredException() {
        super("token vault not configured: set POSTROOM_TOKEN_VAULT_KEYS");
    }
}
