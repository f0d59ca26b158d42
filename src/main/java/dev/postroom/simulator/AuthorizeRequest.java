package dev.postroom.simulator;

import jakarta.ws.rs.core.MultivaluedMap;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parameters of {@code /{tenant}/oauth2/v2.0/authorize}, checked like the Microsoft identity platform does:
 * problems with the client or the redirect URI are shown on a page (there is nowhere safe to send them), every other
 * problem goes back to the redirect URI as {@code ?error=...&error_description=AADSTS...&state=...}.
 */
public record AuthorizeRequest(String tenant, String clientId, String responseType, String redirectUri, String scope,
        String responseMode, String state, String codeChallenge, String codeChallengeMethod, String prompt,
        String loginHint) {

    /** An authorization error, for the redirect URI of {@code request}, or for a page when that is null. */
    public static final class Error extends RuntimeException {
        final AuthorizeRequest request;
        final String error;

        Error(AuthorizeRequest request, String error, String description) {
            super(description);
            this.request = request;
            this.error = error;
        }
    }

    /** An error to send back to the redirect URI. */
    Error error(String error, String description) {
        return new Error(this, error, description);
    }

    static final List<String> PARAMETERS = List.of("client_id", "response_type", "redirect_uri", "scope",
            "response_mode", "state", "code_challenge", "code_challenge_method", "prompt", "login_hint");
    private static final Set<String> PROMPTS = Set.of("login", "none", "consent", "select_account");
    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9._:/-]+");
    private static final Pattern CODE_CHALLENGE = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

    static AuthorizeRequest from(String tenant, MultivaluedMap<String, String> parameters) {
        return new AuthorizeRequest(tenant, blankToNull(parameters.getFirst("client_id")),
                blankToNull(parameters.getFirst("response_type")), blankToNull(parameters.getFirst("redirect_uri")),
                blankToNull(parameters.getFirst("scope")), blankToNull(parameters.getFirst("response_mode")),
                parameters.getFirst("state"), blankToNull(parameters.getFirst("code_challenge")),
                blankToNull(parameters.getFirst("code_challenge_method")), blankToNull(parameters.getFirst("prompt")),
                blankToNull(parameters.getFirst("login_hint")));
    }

    /** Throws {@link Error} for the first problem found. */
    AuthorizeRequest validate() {
        if (clientId == null) {
            throw new Error(null, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
        }
        if (redirectUri == null) {
            throw new Error(null, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.");
        }
        if (!isHttpUri(redirectUri)) {
            throw new Error(null, "invalid_request", "AADSTS50011: The redirect URI '" + redirectUri
                    + "' specified in the request is not an absolute http(s) URI without a fragment.");
        }
        if (!"code".equals(responseType)) {
            throw error("unsupported_response_type",
                    "AADSTS700054: response_type '" + responseType + "' is not enabled for the application: use 'code'.");
        }
        if (responseMode != null && !"query".equals(responseMode)) {
            throw error("invalid_request",
                    "AADSTS900144: response_mode '" + responseMode + "' is not supported by the simulator: use 'query'.");
        }
        if (scope == null) {
            throw error("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'scope'.");
        }
        if (!scopes().stream().allMatch(s -> SCOPE.matcher(s).matches())) {
            throw error("invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid.");
        }
        if (codeChallenge == null) {
            throw error("invalid_request",
                    "AADSTS9002325: Proof Key for Code Exchange is required: send code_challenge and code_challenge_method=S256.");
        }
        if (!"S256".equals(codeChallengeMethod)) {
            throw error("invalid_request",
                    "AADSTS501491: code_challenge_method must be S256 (the simulator accepts no other method).");
        }
        if (!CODE_CHALLENGE.matcher(codeChallenge).matches()) {
            throw error("invalid_request", "AADSTS501491: Invalid size of Code_Challenge parameter.");
        }
        if (prompt != null && !PROMPTS.contains(prompt)) {
            throw error("invalid_request", "AADSTS90023: Invalid prompt value '" + prompt + "'.");
        }
        return this;
    }

    List<String> scopes() {
        return scope == null ? List.of() : List.of(scope.strip().split("\\s+"));
    }

    /** Whether a personal account may sign in through this authority. */
    boolean admitsPersonalAccounts(boolean singleTenant) {
        String authority = tenant.toLowerCase(Locale.ROOT);
        if ("organizations".equals(authority)) {
            return false;
        }
        return !(singleTenant && "common".equals(authority));
    }

    /** The redirect URI with these parameters and the state added to its query. */
    URI redirect(Map<String, String> parameters) {
        Map<String, String> all = new LinkedHashMap<>(parameters);
        if (state != null) {
            all.put("state", state);
        }
        StringBuilder uri = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?');
        all.forEach((name, value) -> uri.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('&'));
        uri.setLength(uri.length() - 1);
        return URI.create(uri.toString());
    }

    /** Every parameter again, for the hidden fields of the consent page's form. */
    Map<String, String> asParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        String[] values = {clientId, responseType, redirectUri, scope, responseMode, state, codeChallenge,
                codeChallengeMethod, prompt, loginHint};
        for (int i = 0; i < PARAMETERS.size(); i++) {
            if (values[i] != null) {
                parameters.put(PARAMETERS.get(i), values[i]);
            }
        }
        return parameters;
    }

    private static boolean isHttpUri(String value) {
        try {
            URI uri = URI.create(value);
            return uri.isAbsolute() && uri.getFragment() == null && uri.getHost() != null
                    && ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
