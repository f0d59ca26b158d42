package dev.postroom.account;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;

/**
 * Where a browser may be sent after linking: a path on this site ({@code /inbox}), or an absolute http(s) URL that
 * starts with one of the prefixes of {@code postroom.accounts.return-to-allowed} (the same allow-list as sign-up's
 * returnTo; default: {@code postroom.public-url} + "/"). Anything else is refused, so that Postroom is never an open
 * redirector.
 */
@ApplicationScoped
public class ReturnToPolicy {

    private static final int MAX_LENGTH = 2048;
    private static final String NOT_ALLOWED =
            "must be a path on this site or a URL under an allowed prefix (postroom.accounts.return-to-allowed)";

    private final List<String> allowedPrefixes;

    public ReturnToPolicy(@ConfigProperty(name = "postroom.public-url") String publicUrl,
            @ConfigProperty(name = "postroom.accounts.return-to-allowed") Optional<List<String>> allowedPrefixes) {
        this.allowedPrefixes = allowedPrefixes.map(List::copyOf).orElseGet(() -> List.of(publicUrl.strip() + "/"));
    }

    /** The validated returnTo (null when none was given); fails with {@link InvalidReturnToException}. */
    public String check(String returnTo) {
        if (returnTo == null || returnTo.isBlank()) {
            return null;
        }
        String value = returnTo.strip();
        if (value.length() > MAX_LENGTH || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
            throw new InvalidReturnToException("returnTo " + NOT_ALLOWED);
        }
        if (value.startsWith("/")) {
            // "//host/..." is a scheme-relative URL to another site, not a path.
            if (value.startsWith("//")) {
                throw new InvalidReturnToException("returnTo " + NOT_ALLOWED);
            }
            return value;
        }
        try {
            URI uri = new URI(value);
            boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (web && uri.getHost() != null && uri.getRawUserInfo() == null
                    && allowedPrefixes.stream().anyMatch(value::startsWith)) {
                return value;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new InvalidReturnToException("returnTo " + NOT_ALLOWED);
    }
}
