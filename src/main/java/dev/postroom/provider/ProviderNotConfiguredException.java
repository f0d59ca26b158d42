package dev.postroom.provider;

/** The provider lacks configuration it needs (e.g. the OAuth client id); the message names the setting. */
public class ProviderNotConfiguredException extends RuntimeException {

    public ProviderNotConfiguredException(String message) {
        super(message);
    }
}
