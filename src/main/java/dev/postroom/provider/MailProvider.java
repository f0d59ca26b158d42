package dev.postroom.provider;

import dev.postroom.mail.Secret;
import io.smallrye.mutiny.Uni;

import java.net.URI;

/**
 * The port every mail backend implements. Today: linking an account over OAuth 2.0 (authorization code with PKCE),
 * keeping its tokens fresh and reading who the account is. The sync engine adds listing folders, fetching a folder's
 * changes from a cursor and sending.
 *
 * <p>Failures: {@link AuthorizationFailedException} for OAuth errors (notably {@code invalid_grant}),
 * {@link ProviderUnauthorizedException} when the API refuses an access token, {@link ProviderUnavailableException}
 * for network and server errors, {@link ProviderNotConfiguredException} when a setting is missing.
 */
public interface MailProvider {

    /** The provider's name as stored with linked mailboxes, e.g. {@code outlook}. */
    String kind();

    /** Fails with {@link ProviderNotConfiguredException} naming what to set when linking cannot work. */
    void requireConfigured();

    /**
     * Where to send the person's browser to sign in and consent.
     *
     * @param state         opaque value the callback must return unchanged (binds the answer to this attempt)
     * @param codeChallenge PKCE S256 challenge of the verifier kept for {@link #exchangeCode}
     * @param loginHint     an address to pre-fill, or null
     */
    URI authorizationUrl(String state, String codeChallenge, String loginHint);

    /** Redeems an authorization code (single use) with the PKCE verifier. */
    Uni<TokenGrant> exchangeCode(Secret code, Secret codeVerifier);

    /** Gets a new access token; the answer usually carries a new refresh token that replaces the old one. */
    Uni<TokenGrant> refresh(Secret refreshToken);

    /** The account the access token belongs to. */
    Uni<ProviderUser> currentUser(AccessToken accessToken);

    /** Explains an OAuth error (from the callback or the token endpoint) to the person who was linking. */
    Advice explain(String error, String description);
}
