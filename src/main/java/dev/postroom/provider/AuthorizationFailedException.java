package dev.postroom.provider;

/**
 * The provider refused an authorization step with an OAuth error ({@code error} and {@code error_description}), e.g.
 * {@code invalid_grant} for a revoked refresh token or a PKCE verifier that does not match. Never carries a token.
 */
public class AuthorizationFailedException extends RuntimeException {

    public static final String INVALID_GRANT = "invalid_grant";

    private final String error;
    private final String description;

    public AuthorizationFailedException(String error, String description) {
        super(error + (description == null || description.isBlank() ? "" : ": " + description));
        this.error = error;
        this.description = description;
    }

    /** The OAuth error code, e.g. {@code invalid_grant}, {@code access_denied}. */
    public String error() {
        return error;
    }

    /** The provider's description (may be null); Microsoft puts its AADSTS code first. */
    public String description() {
        return description;
    }

    /** The grant (code, refresh token) is no good any more: only a new sign-in helps. */
    public boolean invalidGrant() {
        return INVALID_GRANT.equals(error);
    }
}
