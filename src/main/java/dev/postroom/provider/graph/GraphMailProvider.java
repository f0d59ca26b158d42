package dev.postroom.provider.graph;

import dev.postroom.mail.Secret;
import dev.postroom.provider.AccessToken;
import dev.postroom.provider.Advice;
import dev.postroom.provider.DeltaPage;
import dev.postroom.provider.FolderRef;
import dev.postroom.provider.MailboxSession;
import dev.postroom.provider.Subscription;
import dev.postroom.provider.AuthorizationFailedException;
import dev.postroom.provider.MailProvider;
import dev.postroom.provider.ProviderNotConfiguredException;
import dev.postroom.provider.ProviderUnauthorizedException;
import dev.postroom.provider.ProviderUnavailableException;
import dev.postroom.provider.ProviderUser;
import dev.postroom.provider.TokenGrant;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClientException;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.Tokens;
import io.quarkus.oidc.client.runtime.DisabledOidcClientException;
import io.quarkus.oidc.client.runtime.OidcClientConfig;
import io.quarkus.oidc.common.runtime.config.OidcClientCommonConfig.Credentials.Secret.Method;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Outlook through the Microsoft identity platform v2.0 (OAuth endpoints) and Microsoft Graph. Settings
 * ({@code postroom.outlook.*}) point it at Microsoft or at any compatible endpoint, such as the built-in simulator.
 *
 * <p>The token endpoint is reached through quarkus-oidc-client: one client, created on first use with discovery off
 * (Microsoft's authority has a discovery document, but compatible servers such as the simulator need not) and the
 * token URL given explicitly; grant type {@code authorization_code} with {@code code}, {@code redirect_uri} and
 * {@code code_verifier} as grant parameters, {@code refresh_token} for refreshes; the client authenticates with
 * client_secret_post when a secret is configured, else as a public client (client_id only). The oidc-client reports
 * a refused grant as an {@link OidcClientException} whose message is the token endpoint's error body: it is parsed
 * here for {@code error} and {@code error_description}. Graph itself ({@code /me}) is called with the Vert.x Mutiny
 * WebClient: the oidc-client only talks to OAuth endpoints.
 */
@ApplicationScoped
public class GraphMailProvider implements MailProvider {

    public static final String KIND = "outlook";
    /** Delegated permissions: read and change mail, send, read the profile, and a refresh token (offline_access). */
    static final List<String> SCOPES = List.of("offline_access", "Mail.ReadWrite", "Mail.Send", "User.Read");
    static final String CALLBACK_PATH = "/oauth/outlook/callback";
    /** Microsoft's tokens live 60-90 minutes; used only when an answer lacks expires_in. */
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(60);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = Logger.getLogger(GraphMailProvider.class);

    private final Optional<String> clientId;
    private final Optional<String> clientSecret;
    private final String authorityUrl;
    private final String graphUrl;
    private final String redirectUri;
    private final OidcClients oidcClients;
    private final WebClient web;
    private final GraphMailbox mailbox;
    private volatile Uni<OidcClient> tokenClient;

    public GraphMailProvider(
            @ConfigProperty(name = "postroom.outlook.client-id") Optional<String> clientId,
            @ConfigProperty(name = "postroom.outlook.client-secret") Optional<String> clientSecret,
            @ConfigProperty(name = "postroom.outlook.authority-url") String authorityUrl,
            @ConfigProperty(name = "postroom.outlook.graph-url") String graphUrl,
            @ConfigProperty(name = "postroom.public-url") String publicUrl,
            OidcClients oidcClients, Vertx vertx) {
        this.clientId = clientId.map(String::strip).filter(id -> !id.isEmpty());
        this.clientSecret = clientSecret.filter(secret -> !secret.isBlank());
        this.authorityUrl = withoutTrailingSlash(authorityUrl);
        this.graphUrl = withoutTrailingSlash(graphUrl);
        this.redirectUri = withoutTrailingSlash(publicUrl) + CALLBACK_PATH;
        this.oidcClients = oidcClients;
        this.web = WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout((int) Duration.ofSeconds(10).toMillis())
                .setUserAgent("Postroom"));
        this.mailbox = new GraphMailbox(web, this.graphUrl);
    }

    @PreDestroy
    void close() {
        web.close();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void requireConfigured() {
        if (clientId.isEmpty()) {
            throw new ProviderNotConfiguredException(
                    "Outlook is not configured: set POSTROOM_OUTLOOK_CLIENT_ID (see README, Linking Outlook)");
        }
    }

    /** Where Microsoft sends the browser back: must be registered as a "Web" redirect URI of the app. */
    public String redirectUri() {
        return redirectUri;
    }

    @Override
    public URI authorizationUrl(String state, String codeChallenge, String loginHint) {
        requireConfigured();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", clientId.get());
        query.put("response_type", "code");
        query.put("redirect_uri", redirectUri);
        query.put("response_mode", "query");
        query.put("scope", String.join(" ", SCOPES));
        query.put("state", state);
        query.put("code_challenge", codeChallenge);
        query.put("code_challenge_method", "S256");
        // Let the person choose the account even when one is signed in already: linking a second mailbox is common.
        query.put("prompt", "select_account");
        if (loginHint != null && !loginHint.isBlank()) {
            query.put("login_hint", loginHint.strip());
        }
        return URI.create(authorityUrl + "/oauth2/v2.0/authorize?" + query.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&")));
    }

    @Override
    public Uni<TokenGrant> exchangeCode(Secret code, Secret codeVerifier) {
        return Uni.createFrom().deferred(this::tokenClient)
                .chain(client -> client.getTokens(Map.of(
                        "code", code.reveal(),
                        "redirect_uri", redirectUri,
                        "code_verifier", codeVerifier.reveal())))
                .onFailure().transform(GraphMailProvider::translate)
                .map(GraphMailProvider::grant);
    }

    @Override
    public Uni<TokenGrant> refresh(Secret refreshToken) {
        return Uni.createFrom().deferred(this::tokenClient)
                .chain(client -> client.refreshTokens(refreshToken.reveal()))
                .onFailure().transform(GraphMailProvider::translate)
                .map(GraphMailProvider::grant);
    }

    @Override
    public Uni<ProviderUser> currentUser(AccessToken accessToken) {
        return web.getAbs(graphUrl + "/v1.0/me")
                .addQueryParam("$select", "id,displayName,mail,userPrincipalName")
                .putHeader("Authorization", accessToken.authorizationHeader())
                .putHeader("Accept", "application/json")
                .timeout(HTTP_TIMEOUT.toMillis())
                .send()
                .onFailure().transform(failure -> new ProviderUnavailableException(
                        "Microsoft Graph could not be reached: " + failure.getClass().getSimpleName(), failure))
                .map(response -> {
                    JsonObject body = json(response);
                    if (response.statusCode() == 200 && body != null && body.getString("id") != null) {
                        String mail = body.getString("mail");
                        // Personal Microsoft accounts have no "mail": their address is the userPrincipalName.
                        String address = mail != null && !mail.isBlank() ? mail : body.getString("userPrincipalName");
                        if (address == null || address.isBlank()) {
                            throw new ProviderUnavailableException("Microsoft Graph GET /me had neither mail nor userPrincipalName");
                        }
                        return new ProviderUser(body.getString("id"), address, body.getString("displayName"));
                    }
                    throw graphError("GET /me", response, body);
                });
    }

    @Override
    public Advice explain(String error, String description) {
        return IdentityPlatformAdvice.explain(error, description, redirectUri);
    }

    /** The token endpoint's client, created once (no I/O: discovery is off and the token URL is explicit). */
    private Uni<OidcClient> tokenClient() {
        requireConfigured();
        Uni<OidcClient> client = tokenClient;
        if (client == null) {
            var config = OidcClientConfig.builder()
                    .id("postroom-outlook")
                    .tokenPath(authorityUrl + "/oauth2/v2.0/token")
                    .discoveryEnabled(false)
                    .clientId(clientId.get())
                    .scopes(SCOPES)
                    .grant(OidcClientConfig.Grant.Type.CODE)
                    .connectionTimeout(Duration.ofSeconds(10));
            clientSecret.ifPresent(secret -> config.credentials().clientSecret(secret, Method.POST).end());
            client = oidcClients.newClient(config.build()).memoize().indefinitely();
            tokenClient = client; // a race creates two equal clients at worst; one is kept
        }
        return client;
    }

    private static TokenGrant grant(Tokens tokens) {
        if (tokens.getAccessToken() == null) {
            throw new ProviderUnavailableException("the token endpoint answered without an access_token");
        }
        Instant expiresAt = tokens.getAccessTokenExpiresAt() != null
                ? Instant.ofEpochSecond(tokens.getAccessTokenExpiresAt())
                : Instant.now().plus(DEFAULT_LIFETIME);
        return new TokenGrant(new AccessToken(Secret.of(tokens.getAccessToken()), expiresAt),
                Secret.ofNullable(tokens.getRefreshToken()));
    }

    /**
     * The oidc-client fails a refused grant with the endpoint's body as the message ({"error", "error_description"}),
     * and a connection failure with a fixed message. Only the parsed error fields go on: never the raw body.
     */
    static RuntimeException translate(Throwable failure) {
        if (failure instanceof DisabledOidcClientException disabled) {
            // The oidc-client refused its configuration (it says why, without secrets).
            return new ProviderNotConfiguredException("the Outlook token client is not usable: " + disabled.getMessage());
        }
        if (!(failure instanceof OidcClientException)) {
            return failure instanceof RuntimeException runtime ? runtime : new ProviderUnavailableException(
                    "the Microsoft identity platform's token endpoint could not be reached", failure);
        }
        JsonObject body = parse(failure.getMessage());
        String error = body == null ? null : body.getString("error");
        if (error == null) {
            LOG.debugf("token endpoint failure without an OAuth error: %s", failure.getClass().getName());
            // No cause: the oidc-client's message may be an unexpected body, and nothing of it should reach a log.
            return new ProviderUnavailableException("the Microsoft identity platform's token endpoint could not be reached"
                    + " or did not answer as expected");
        }
        String description = body.getString("error_description");
        if ("server_error".equals(error) || "temporarily_unavailable".equals(error)) {
            return new ProviderUnavailableException("the Microsoft identity platform is unavailable: " + error);
        }
        return new AuthorizationFailedException(error, description);
    }

    private static RuntimeException graphError(String call, HttpResponse<Buffer> response, JsonObject body) {
        JsonObject error = body != null && body.getValue("error") instanceof JsonObject object ? object : null;
        String code = error == null ? "" : " " + error.getString("code", "");
        String what = "Microsoft Graph " + call + " answered " + response.statusCode() + code;
        if (response.statusCode() == 401) {
            return new ProviderUnauthorizedException(what);
        }
        return new ProviderUnavailableException(what);
    }

    /** The body as a JSON object, or null when it is empty or not one. */
    static JsonObject json(HttpResponse<Buffer> response) {
        Buffer body = response.body();
        return body == null || body.length() == 0 ? null : parse(body.toString());
    }

    private static JsonObject parse(String text) {
        if (text == null || !text.stripLeading().startsWith("{")) {
            return null;
        }
        try {
            return new JsonObject(text);
        } catch (DecodeException e) {
            return null;
        }
    }

    private static String encode(String value) {
        // URLEncoder writes form encoding; %20 for spaces is what every OAuth server reads the same way.
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String withoutTrailingSlash(String url) {
        String stripped = url.strip();
        return stripped.endsWith("/") ? stripped.substring(0, stripped.length() - 1) : stripped;
    }

    // Reading the mailbox and subscriptions: GraphMailbox.

    @Override
    public Uni<Optional<String>> wellKnownFolderId(MailboxSession session, String wellKnownName) {
        return mailbox.wellKnownFolderId(session, wellKnownName);
    }

    @Override
    public Uni<DeltaPage> folderDelta(MailboxSession session, String link) {
        return mailbox.folderDelta(session, link);
    }

    @Override
    public Uni<DeltaPage> messageDelta(MailboxSession session, FolderRef folder, String link, int pageSize) {
        return mailbox.messageDelta(session, folder, link, pageSize);
    }

    @Override
    public Uni<Subscription> subscribe(MailboxSession session, URI notificationUrl, URI lifecycleUrl, String clientState,
            Instant expiresAt) {
        return mailbox.subscribe(session, notificationUrl, lifecycleUrl, clientState, expiresAt);
    }

    @Override
    public Uni<Subscription> renewSubscription(MailboxSession session, String subscriptionId, Instant expiresAt) {
        return mailbox.renewSubscription(session, subscriptionId, expiresAt);
    }

    @Override
    public Uni<Void> unsubscribe(MailboxSession session, String subscriptionId) {
        return mailbox.unsubscribe(session, subscriptionId);
    }
}
