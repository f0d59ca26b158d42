package dev.postroom.provider;

import dev.postroom.mail.Secret;

/**
 * What the provider's token endpoint granted. {@code refreshToken} is null when the answer carried none (a refresh
 * may keep the old one); refresh tokens rotate, so a new one always replaces the stored one.
 */
public record TokenGrant(AccessToken accessToken, Secret refreshToken) {
}
