package dev.postroom.provider;

/**
 * The account a token belongs to: the provider's stable id for it, the mailbox address and the display name (may be
 * null).
 */
public record ProviderUser(String externalId, String address, String displayName) {
}
