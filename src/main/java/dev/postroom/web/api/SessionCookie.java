package dev.postroom.web.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.NewCookie;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;

/**
 * The session cookie {@value #NAME}: HttpOnly (scripts can't read it), SameSite=Lax (not sent on cross-site
 * POSTs), Path=/, and Secure when Postroom is served over HTTPS ({@code postroom.public-url}).
 */
@ApplicationScoped
public class SessionCookie {

    public static final String NAME = "postroom_session";

    private final boolean secure;
    private final String publicOrigin;

    public SessionCookie(@ConfigProperty(name = "postroom.public-url") String publicUrl) {
        URI uri = URI.create(publicUrl);
        this.secure = "https".equalsIgnoreCase(uri.getScheme());
        // An Origin header is scheme://host[:port], without path or trailing slash.
        this.publicOrigin = uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority();
    }

    /** This instance's origin as browsers send it in {@code Origin}. */
    public String publicOrigin() {
        return publicOrigin;
    }

    /**
     * Whether a cookie-authenticated request that changes something comes from our own pages (CSRF): it carries
     * {@code X-Requested-With} (a cross-site form can't set it, a cross-site script can't without a CORS preflight
     * we don't grant) or an {@code Origin} that is ours.
     */
    public boolean fromOurPages(String requestedWith, String origin) {
        return (requestedWith != null && !requestedWith.isBlank()) || publicOrigin.equalsIgnoreCase(origin);
    }

    /** The cookie of a session that ends at {@code expiresAt}. */
    public NewCookie of(String token, Instant expiresAt) {
        int maxAge = (int) Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds());
        return builder(token).maxAge(maxAge).expiry(Date.from(expiresAt)).build();
    }

    /** Tells the browser to forget the cookie. */
    public NewCookie cleared() {
        return builder("").maxAge(0).expiry(Date.from(Instant.EPOCH)).build();
    }

    private NewCookie.Builder builder(String value) {
        return new NewCookie.Builder(NAME).value(value).path("/").httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX);
    }
}
