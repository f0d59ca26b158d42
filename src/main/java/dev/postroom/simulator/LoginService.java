package dev.postroom.simulator;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Authorization codes, access tokens and refresh tokens of the simulated identity platform. All opaque random
 * strings kept in memory: codes are single use and bound to the client, redirect URI, PKCE challenge, scopes and
 * mailbox; refresh tokens rotate (each refresh returns a new one and the old one stops working).
 */
@ApplicationScoped
class LoginService {

    /** What a code was issued for. */
    private record Code(String clientId, String redirectUri, String codeChallenge, String scope, String mailboxId,
            Instant expiresAt, AtomicBoolean redeemed) {
    }

    private enum RefreshState { ACTIVE, ROTATED, REVOKED }

    private record Refresh(String mailboxId, String clientId, String scope, Instant expiresAt,
            AtomicReference<RefreshState> state) {
    }

    /** Who an access token speaks for, and until when. */
    record AccessGrant(String mailboxId, String clientId, String scope, Instant expiresAt) {
    }

    private static final Set<String> NON_RESOURCE_SCOPES = Set.of("offline_access", "openid", "profile", "email");
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Refresh> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, AccessGrant> accessTokens = new ConcurrentHashMap<>();
    private final SimulatorConfig config;
    private final SimClock clock;
    private final MailboxRegistry mailboxes;
    private final SimulatorUrls urls;
    private volatile Duration accessTokenLifetime;

    LoginService(SimulatorConfig config, SimClock clock, MailboxRegistry mailboxes, SimulatorUrls urls) {
        this.config = config;
        this.clock = clock;
        this.mailboxes = mailboxes;
        this.urls = urls;
    }

    Duration accessTokenLifetime() {
        Duration override = accessTokenLifetime;
        return override != null ? override : config.accessTokenLifetime();
    }

    /** Changes the lifetime of access tokens issued from now on; null goes back to the configured one. */
    void setAccessTokenLifetime(Duration lifetime) {
        if (lifetime != null && (lifetime.isNegative() || lifetime.isZero())) {
            throw new IllegalArgumentException("an access token must live a little");
        }
        accessTokenLifetime = lifetime;
    }

    String issueCode(String clientId, String redirectUri, String codeChallenge, String scope, SimMailbox mailbox) {
        String code = "M.C5" + randomToken(48);
        codes.put(code, new Code(clientId, redirectUri, codeChallenge, scope, mailbox.id(),
                clock.instant().plus(config.authorizationCodeLifetime()), new AtomicBoolean()));
        return code;
    }

    /** {@code grant_type=authorization_code}: checks the code and the PKCE verifier, returns the token response. */
    Map<String, Object> redeemCode(String clientId, String code, String redirectUri, String codeVerifier) {
        require("code", code);
        Code grant = codes.get(code);
        if (grant == null) {
            throw new OAuthException("invalid_grant", 70000, "The provided value for the 'code' parameter is not valid.");
        }
        // Any attempt uses the code up, a failed one included: codes are strictly single use.
        if (!grant.redeemed().compareAndSet(false, true)) {
            throw new OAuthException("invalid_grant", 54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
        }
        if (clock.instant().isAfter(grant.expiresAt())) {
            throw new OAuthException("invalid_grant", 70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
        }
        if (!grant.clientId().equals(clientId)) {
            throw new OAuthException("invalid_grant", 70000, "The code was issued to another client than '" + clientId + "'.");
        }
        if (!grant.redirectUri().equals(redirectUri)) {
            throw new OAuthException("invalid_grant", 500112, "The reply address '" + redirectUri
                    + "' does not match the reply address '" + grant.redirectUri() + "' provided when requesting Authorization code.");
        }
        if (codeVerifier == null || !s256(codeVerifier).equals(grant.codeChallenge())) {
            throw new OAuthException("invalid_grant", 501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
        }
        return tokens(mailbox(grant.mailboxId()), grant.clientId(), grant.scope());
    }

    /** {@code grant_type=refresh_token}: rotates the refresh token. */
    Map<String, Object> refresh(String clientId, String refreshToken) {
        require("refresh_token", refreshToken);
        Refresh grant = refreshTokens.get(refreshToken);
        if (grant == null) {
            throw new OAuthException("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: unknown refresh token.");
        }
        if (!grant.clientId().equals(clientId)) {
            throw new OAuthException("invalid_grant", 70000, "The refresh token was issued to another client than '" + clientId + "'.");
        }
        if (clock.instant().isAfter(grant.expiresAt())) {
            throw new OAuthException("invalid_grant", 700082,
                    "The refresh token has expired due to inactivity. The token was issued on an earlier date and was inactive for too long.");
        }
        if (!grant.state().compareAndSet(RefreshState.ACTIVE, RefreshState.ROTATED)) {
            if (grant.state().get() == RefreshState.REVOKED) {
                throw new OAuthException("invalid_grant", 50173,
                        "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
            }
            throw new OAuthException("invalid_grant", 70008,
                    "The provided authorization code or refresh token has expired due to inactivity. (The simulator rotates refresh tokens: this one was used already.)");
        }
        return tokens(mailbox(grant.mailboxId()), grant.clientId(), grant.scope());
    }

    /** The grant of a bearer token, else 401 InvalidAuthenticationToken as Graph answers it. */
    AccessGrant authenticate(String accessToken) {
        if (accessToken == null || accessToken.isBlank()) {
            throw unauthenticated("Access token is empty.");
        }
        AccessGrant grant = accessTokens.get(accessToken);
        if (grant == null) {
            throw unauthenticated("IDX14100: JWT is not well formed: the simulator does not know this access token.");
        }
        if (!clock.instant().isBefore(grant.expiresAt())) {
            throw unauthenticated("Lifetime validation failed, the token is expired.");
        }
        return grant;
    }

    /** Every refresh token of the mailbox stops working (invalid_grant), like a password reset or a revoked session. */
    void revokeRefreshTokens(String mailboxId) {
        refreshTokens.values().stream().filter(grant -> grant.mailboxId().equals(mailboxId))
                .forEach(grant -> grant.state().set(RefreshState.REVOKED));
    }

    /** Every access token of the mailbox expires now (Graph answers 401 until the client refreshes). */
    void expireAccessTokens(String mailboxId) {
        Instant now = clock.instant();
        accessTokens.replaceAll((token, grant) -> grant.mailboxId().equals(mailboxId)
                ? new AccessGrant(grant.mailboxId(), grant.clientId(), grant.scope(), now) : grant);
    }

    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purge() {
        Instant now = clock.instant();
        codes.values().removeIf(code -> now.isAfter(code.expiresAt().plus(Duration.ofMinutes(10))));
        accessTokens.values().removeIf(grant -> now.isAfter(grant.expiresAt().plus(Duration.ofHours(1))));
        refreshTokens.values().removeIf(grant -> now.isAfter(grant.expiresAt()));
    }

    private Map<String, Object> tokens(SimMailbox mailbox, String clientId, String scope) {
        Instant now = clock.instant();
        Duration lifetime = accessTokenLifetime();
        String accessToken = "EwB" + randomToken(96);
        accessTokens.put(accessToken, new AccessGrant(mailbox.id(), clientId, scope, now.plus(lifetime)));
        long expiresIn = Math.max(1, (lifetime.toMillis() + 999) / 1000);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_type", "Bearer");
        body.put("scope", grantedScopes(scope));
        body.put("expires_in", expiresIn);
        body.put("ext_expires_in", expiresIn);
        body.put("access_token", accessToken);
        // Like Microsoft: a refresh token only for offline_access.
        if (Arrays.asList(scope.split(" ")).contains("offline_access")) {
            String refreshToken = "M.R3_BAY." + randomToken(96);
            refreshTokens.put(refreshToken, new Refresh(mailbox.id(), clientId, scope,
                    now.plus(config.refreshTokenLifetime()), new AtomicReference<>(RefreshState.ACTIVE)));
            body.put("refresh_token", refreshToken);
        }
        body.put("id_token", idToken(mailbox.info(), clientId, now));
        return body;
    }

    private static String grantedScopes(String scope) {
        String granted = Arrays.stream(scope.split(" ")).filter(s -> !s.isBlank() && !NON_RESOURCE_SCOPES.contains(s))
                .collect(Collectors.joining(" "));
        return granted.isEmpty() ? "User.Read" : granted;
    }

    /** An unsigned JWT with the claims a client may look at; nobody should trust it (alg none). */
    private String idToken(MailboxInfo mailbox, String clientId, Instant now) {
        String header = "{\"typ\":\"JWT\",\"alg\":\"none\"}";
        String payload = "{\"ver\":\"2.0\",\"iss\":\"" + urls.loginBase() + "/" + mailbox.tenantId() + "/v2.0\","
                + "\"aud\":\"" + json(clientId) + "\",\"sub\":\"" + mailbox.id() + "\",\"oid\":\"" + mailbox.id() + "\","
                + "\"tid\":\"" + mailbox.tenantId() + "\",\"name\":\"" + json(mailbox.displayName()) + "\","
                + "\"preferred_username\":\"" + json(mailbox.address()) + "\","
                + "\"iat\":" + now.getEpochSecond() + ",\"nbf\":" + now.getEpochSecond() + ",\"exp\":"
                + now.plus(Duration.ofHours(1)).getEpochSecond() + "}";
        return BASE64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + BASE64URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    private static String json(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private SimMailbox mailbox(String id) {
        return mailboxes.byId(id).orElseThrow(() -> new OAuthException("invalid_grant", 50034, "The user account does not exist."));
    }

    private static void require(String parameter, String value) {
        if (value == null || value.isBlank()) {
            throw new OAuthException("invalid_request", 900144,
                    "The request body must contain the following parameter: '" + parameter + "'.");
        }
    }

    static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return BASE64URL.encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String randomToken(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return BASE64URL.encodeToString(value);
    }

    private static GraphException unauthenticated(String message) {
        return new GraphException(401, "InvalidAuthenticationToken", message,
                Map.of("WWW-Authenticate", "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\""));
    }
}
