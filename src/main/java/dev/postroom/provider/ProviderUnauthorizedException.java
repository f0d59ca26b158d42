package dev.postroom.provider;

/**
 * The provider's API refused the access token (HTTP 401): get a new one with
 * {@code OutlookTokens.refreshAfterUnauthorized} and try once more.
 */
public class ProviderUnauthorizedException extends RuntimeException {

    public ProviderUnauthorizedException(String message) {
        super(message);
    }
}
