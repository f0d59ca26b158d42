package dev.postroom.simulator;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated Microsoft identity platform v2.0: {@code /simulator/login/{tenant}/oauth2/v2.0/authorize} (a page
 * to pick or create a mailbox and consent; with a {@code login_hint} naming a mailbox it consents at once) and
 * {@code .../token} (authorization code with PKCE S256, refresh token with rotation).
 */
@Path("/simulator/login/{tenant}")
@Tag(name = "Outlook simulator")
public class LoginResource {

    private final LoginService login;
    private final MailboxRegistry mailboxes;
    private final OutlookSimulator simulator;
    private final SimulatorUrls urls;

    public LoginResource(LoginService login, MailboxRegistry mailboxes, OutlookSimulator simulator, SimulatorUrls urls) {
        this.login = login;
        this.mailboxes = mailboxes;
        this.simulator = simulator;
        this.urls = urls;
    }

    @GET
    @Path("oauth2/v2.0/authorize")
    @Produces(MediaType.TEXT_HTML)
    public Response authorize(@PathParam("tenant") String tenant, @Context UriInfo uri) {
        AuthorizeRequest request = AuthorizeRequest.from(tenant, uri.getQueryParameters()).validate();
        if (request.loginHint() != null) {
            var hinted = mailboxes.byAddress(request.loginHint());
            if (hinted.isPresent()) {
                return consent(request, hinted.get());
            }
        }
        if ("none".equals(request.prompt())) {
            throw request.error("login_required",
                    "AADSTS50058: A silent sign-in request was sent but no user is signed in.");
        }
        return page(request, null, 200);
    }

    /** The consent page's forms: {@code action} = pick (field {@code mailbox}), create or cancel. */
    @POST
    @Path("oauth2/v2.0/authorize")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Response decide(@PathParam("tenant") String tenant, MultivaluedMap<String, String> form) {
        AuthorizeRequest request = AuthorizeRequest.from(tenant, form).validate();
        String action = form.getFirst("action");
        if ("cancel".equals(action)) {
            throw request.error("access_denied", "AADSTS65004: User declined to consent to access the app.");
        }
        if ("create".equals(action)) {
            SimMailbox created;
            try {
                created = mailboxes.create(form.getFirst("address"), form.getFirst("displayName"),
                        "true".equals(form.getFirst("personal")) || "on".equals(form.getFirst("personal")));
            } catch (GraphException e) {
                return page(request, e.getMessage(), 400);
            }
            return consent(request, created);
        }
        return mailboxes.byAddress(form.getFirst("mailbox"))
                .map(mailbox -> consent(request, mailbox))
                .orElseGet(() -> page(request, "Pick a mailbox, or create one.", 400));
    }

    @POST
    @Path("oauth2/v2.0/token")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    public Response token(MultivaluedMap<String, String> form, @HeaderParam("Authorization") String authorization) {
        // Confidential clients may authenticate with HTTP Basic (client_secret_basic) instead of form fields.
        String clientId = form.getFirst("client_id");
        if ((clientId == null || clientId.isBlank()) && authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            clientId = URLDecoder.decode(colon < 0 ? decoded : decoded.substring(0, colon), StandardCharsets.UTF_8);
        }
        String grantType = form.getFirst("grant_type");
        if (grantType == null || grantType.isBlank()) {
            throw new OAuthException("invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
        }
        if (clientId == null || clientId.isBlank()) {
            throw new OAuthException("invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
        }
        // A client secret, when sent, is accepted without a check: the simulator has no app registrations.
        Map<String, Object> tokens = switch (grantType) {
            case "authorization_code" -> login.redeemCode(clientId, form.getFirst("code"), form.getFirst("redirect_uri"),
                    form.getFirst("code_verifier"));
            case "refresh_token" -> login.refresh(clientId, form.getFirst("refresh_token"));
            default -> throw new OAuthException("unsupported_grant_type", 70003,
                    "The app requested an unsupported grant type '" + grantType + "'.");
        };
        return Response.ok(tokens).header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }

    /** OpenID Connect discovery, for clients that configure themselves from it (e.g. quarkus-oidc-client). */
    @GET
    @Path("v2.0/.well-known/openid-configuration")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> discovery(@PathParam("tenant") String tenant) {
        String base = urls.loginBase() + "/" + tenant;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("issuer", urls.loginBase() + "/{tenantid}/v2.0");
        body.put("authorization_endpoint", base + "/oauth2/v2.0/authorize");
        body.put("token_endpoint", base + "/oauth2/v2.0/token");
        body.put("jwks_uri", base + "/discovery/v2.0/keys");
        body.put("userinfo_endpoint", urls.graphV1() + "/me");
        body.put("response_types_supported", List.of("code"));
        body.put("response_modes_supported", List.of("query"));
        body.put("grant_types_supported", List.of("authorization_code", "refresh_token"));
        body.put("code_challenge_methods_supported", List.of("S256"));
        body.put("scopes_supported", List.of("openid", "profile", "email", "offline_access"));
        body.put("subject_types_supported", List.of("pairwise"));
        body.put("id_token_signing_alg_values_supported", List.of("none"));
        body.put("token_endpoint_auth_methods_supported", List.of("client_secret_post", "client_secret_basic", "none"));
        body.put("tenant_region_scope", "WW");
        return body;
    }

    @GET
    @Path("discovery/v2.0/keys")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> keys() {
        return Map.of("keys", List.of());
    }

    private Response consent(AuthorizeRequest request, SimMailbox mailbox) {
        if (mailbox.info().personal() && !request.admitsPersonalAccounts(simulator.singleTenant())) {
            throw request.error("invalid_request", "AADSTS50020: User account '" + mailbox.address()
                    + "' from identity provider 'live.com' does not exist in tenant 'Postroom Simulator' and cannot access the application '"
                    + request.clientId() + "' in that tenant. The account needs to be added as an external user in the tenant first, "
                    + "or the application must be registered for personal Microsoft accounts and use the 'common' authority.");
        }
        String code = login.issueCode(request.clientId(), request.redirectUri(), request.codeChallenge(), request.scope(), mailbox);
        return Response.status(Response.Status.FOUND).location(request.redirect(Map.of("code", code))).build();
    }

    private Response page(AuthorizeRequest request, String error, int status) {
        List<SimulatorTemplates.Field> fields = request.asParameters().entrySet().stream()
                .map(entry -> new SimulatorTemplates.Field(entry.getKey(), entry.getValue())).toList();
        String action = "/simulator/login/" + request.tenant() + "/oauth2/v2.0/authorize";
        List<MailboxInfo> infos = mailboxes.all().stream().map(SimMailbox::info).toList();
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE)
                .entity(SimulatorTemplates.login(new SimulatorTemplates.LoginPage(action, fields, infos,
                        request.clientId(), request.scopes(), error, request.loginHint())))
                .build();
    }

    @ServerExceptionMapper
    public Response authorizeError(AuthorizeRequest.Error e) {
        if (e.request == null) {
            return Response.status(400).type(MediaType.TEXT_HTML_TYPE)
                    .entity(SimulatorTemplates.loginError(e.error, e.getMessage())).build();
        }
        return Response.status(Response.Status.FOUND)
                .location(e.request.redirect(Map.of("error", e.error, "error_description", e.getMessage()))).build();
    }

    @ServerExceptionMapper
    public Response tokenError(OAuthException e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(e.body())
                .header("Cache-Control", "no-store").build();
    }
}
