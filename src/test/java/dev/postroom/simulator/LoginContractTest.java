package dev.postroom.simulator;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static dev.postroom.simulator.Sim.authorize;
import static dev.postroom.simulator.Sim.authorizeParams;
import static dev.postroom.simulator.Sim.code;
import static dev.postroom.simulator.Sim.graph;
import static dev.postroom.simulator.Sim.query;
import static dev.postroom.simulator.Sim.redeem;
import static dev.postroom.simulator.Sim.refresh;
import static dev.postroom.simulator.Sim.signIn;
import static dev.postroom.simulator.Sim.uniqueAddress;
import static dev.postroom.simulator.Sim.verifier;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated Microsoft identity platform: authorization code with PKCE S256, tokens, refresh rotation, /me. */
@QuarkusTest
class LoginContractTest {

    @Inject
    OutlookSimulator simulator;

    @Test
    void codeFlowWithPkceGivesTokensThatReadMe() {
        String address = uniqueAddress("ann");
        MailboxInfo mailbox = simulator.createMailbox(address, "Ann Example", false);
        String verifier = verifier();
        ExtractableResponse<Response> tokens = redeem(code(address, verifier), verifier, Sim.REDIRECT_URI);

        assertEquals(200, tokens.statusCode(), tokens.body().asString());
        assertEquals("Bearer", tokens.path("token_type"));
        assertEquals(3600, (int) tokens.path("expires_in"));
        assertNotNull(tokens.path("ext_expires_in"));
        assertNotNull(tokens.path("refresh_token"));
        assertNotNull(tokens.path("id_token"));
        assertTrue(((String) tokens.path("scope")).contains("Mail.ReadWrite"));
        assertEquals("no-store", tokens.header("Cache-Control"));

        graph(tokens.path("access_token")).get(Sim.GRAPH + "/me").then().statusCode(200)
                .body("id", is(mailbox.id()))
                .body("displayName", is("Ann Example"))
                .body("mail", is(address))
                .body("userPrincipalName", is(address));
        Map<String, Object> selected = Sim.json(graph(tokens.path("access_token")).get(Sim.GRAPH + "/me?$select=id,mail")
                .then().statusCode(200).extract());
        assertEquals(mailbox.id(), selected.get("id"));
        assertEquals(address, selected.get("mail"));
        assertEquals(java.util.Set.of("@odata.context", "id", "mail"), selected.keySet());
    }

    @Test
    void personalAccountsHaveNoMailInMe() {
        String address = uniqueAddress("pat");
        MailboxInfo mailbox = simulator.createMailbox(address, "Pat Personal", true);
        assertEquals(16, mailbox.id().length(), "personal account ids are 16 hex digits");
        Map<String, Object> me = Sim.json(graph(signIn(address).accessToken()).get(Sim.GRAPH + "/me").then().statusCode(200).extract());
        assertTrue(me.containsKey("mail"));
        assertNull(me.get("mail"));
        assertEquals(address, me.get("userPrincipalName"));
    }

    @Test
    void aCodeWorksOnce() {
        String address = uniqueAddress("once");
        simulator.createMailbox(address, null, false);
        String verifier = verifier();
        String code = code(address, verifier);
        assertEquals(200, redeem(code, verifier, Sim.REDIRECT_URI).statusCode());
        ExtractableResponse<Response> again = redeem(code, verifier, Sim.REDIRECT_URI);
        assertEquals(400, again.statusCode());
        assertEquals("invalid_grant", again.path("error"));
        assertTrue(((String) again.path("error_description")).startsWith("AADSTS54005"));
    }

    @Test
    void aWrongVerifierOrRedirectUriIsInvalidGrant() {
        String address = uniqueAddress("pkce");
        simulator.createMailbox(address, null, false);
        String verifier = verifier();
        ExtractableResponse<Response> wrongVerifier = redeem(code(address, verifier), verifier(), Sim.REDIRECT_URI);
        assertEquals(400, wrongVerifier.statusCode());
        assertEquals("invalid_grant", wrongVerifier.path("error"));
        assertTrue(((String) wrongVerifier.path("error_description")).startsWith("AADSTS501481: The Code_Verifier does not match"),
                (String) wrongVerifier.path("error_description"));

        ExtractableResponse<Response> wrongRedirect = redeem(code(address, verifier), verifier, "http://localhost:1/elsewhere");
        assertEquals(400, wrongRedirect.statusCode());
        assertEquals("invalid_grant", wrongRedirect.path("error"));

        Map<String, String> noVerifier = new HashMap<>(Map.of("client_id", Sim.CLIENT_ID, "grant_type", "authorization_code",
                "code", code(address, verifier), "redirect_uri", Sim.REDIRECT_URI));
        assertEquals("invalid_grant", Sim.token(noVerifier).path("error"));

        Map<String, String> otherClient = new HashMap<>(Map.of("client_id", "another-app", "grant_type", "authorization_code",
                "code", code(address, verifier), "redirect_uri", Sim.REDIRECT_URI, "code_verifier", verifier));
        assertEquals("invalid_grant", Sim.token(otherClient).path("error"));
    }

    @Test
    void clientIdMayComeByHttpBasicAndASecretIsAccepted() {
        String address = uniqueAddress("basic");
        simulator.createMailbox(address, null, false);
        String verifier = verifier();
        String basic = Base64.getEncoder().encodeToString((Sim.CLIENT_ID + ":some-secret").getBytes());
        given().header("Authorization", "Basic " + basic).contentType("application/x-www-form-urlencoded")
                .formParams(Map.of("grant_type", "authorization_code", "code", code(address, verifier),
                        "redirect_uri", Sim.REDIRECT_URI, "code_verifier", verifier))
                .post(Sim.TOKEN).then().statusCode(200).body("access_token", notNullValue());
    }

    @Test
    void refreshTokensRotateAndAnOldOneIsInvalidGrant() {
        String address = uniqueAddress("rot");
        simulator.createMailbox(address, null, false);
        Sim.Tokens first = signIn(address);

        ExtractableResponse<Response> second = refresh(first.refreshToken());
        assertEquals(200, second.statusCode(), second.body().asString());
        String newRefresh = second.path("refresh_token");
        assertNotEquals(first.refreshToken(), newRefresh);
        assertNotEquals(first.accessToken(), second.path("access_token"));
        graph(second.path("access_token")).get(Sim.GRAPH + "/me").then().statusCode(200);

        ExtractableResponse<Response> reused = refresh(first.refreshToken());
        assertEquals(400, reused.statusCode());
        assertEquals("invalid_grant", reused.path("error"));
        assertTrue(((String) reused.path("error_description")).startsWith("AADSTS70008"));

        assertEquals(200, refresh(newRefresh).statusCode(), "the newest refresh token works");
    }

    @Test
    void revokedRefreshTokensAreInvalidGrant() {
        String address = uniqueAddress("rev");
        simulator.createMailbox(address, null, false);
        Sim.Tokens tokens = signIn(address);
        simulator.revokeRefreshTokens(address);
        ExtractableResponse<Response> refreshed = refresh(tokens.refreshToken());
        assertEquals(400, refreshed.statusCode());
        assertEquals("invalid_grant", refreshed.path("error"));
        assertTrue(((String) refreshed.path("error_description")).startsWith("AADSTS50173"));
        // Signing in again works.
        assertNotNull(signIn(address).refreshToken());
    }

    @Test
    void expiredOrUnknownAccessTokensAre401() throws InterruptedException {
        String address = uniqueAddress("exp");
        simulator.createMailbox(address, null, false);
        Sim.Tokens tokens = signIn(address);
        simulator.expireAccessTokens(address);
        graph(tokens.accessToken()).get(Sim.GRAPH + "/me").then().statusCode(401)
                .body("error.code", is("InvalidAuthenticationToken"))
                .header("WWW-Authenticate", containsString("Bearer"));
        given().get(Sim.GRAPH + "/me").then().statusCode(401).body("error.code", is("InvalidAuthenticationToken"));
        graph("not-a-token").get(Sim.GRAPH + "/me/mailFolders").then().statusCode(401);
        // A refresh gives a working token again.
        graph(refresh(tokens.refreshToken()).path("access_token")).get(Sim.GRAPH + "/me").then().statusCode(200);

        simulator.setAccessTokenLifetime(Duration.ofSeconds(1));
        try {
            Sim.Tokens shortLived = signIn(address);
            assertEquals(1, ((Number) shortLived.body().get("expires_in")).intValue());
            graph(shortLived.accessToken()).get(Sim.GRAPH + "/me").then().statusCode(200);
            Thread.sleep(1100);
            graph(shortLived.accessToken()).get(Sim.GRAPH + "/me").then().statusCode(401)
                    .body("error.message", containsString("expired"));
        } finally {
            simulator.setAccessTokenLifetime(null);
        }
    }

    @Test
    void authorizeErrorsGoBackToTheRedirectUriOrOnAPage() {
        Map<String, String> plain = authorizeParams(null, verifier());
        plain.put("code_challenge_method", "plain");
        ExtractableResponse<Response> redirected = authorize(plain);
        assertEquals(302, redirected.statusCode());
        Map<String, String> query = query(redirected.header("Location"));
        assertTrue(redirected.header("Location").startsWith(Sim.REDIRECT_URI + "?"));
        assertEquals("invalid_request", query.get("error"));
        assertTrue(query.get("error_description").startsWith("AADSTS"));
        assertEquals(plain.get("state"), query.get("state"));

        Map<String, String> noChallenge = authorizeParams(null, verifier());
        noChallenge.remove("code_challenge");
        assertEquals("invalid_request", query(authorize(noChallenge).header("Location")).get("error"));

        Map<String, String> noRedirect = authorizeParams(null, verifier());
        noRedirect.remove("redirect_uri");
        ExtractableResponse<Response> page = authorize(noRedirect);
        assertEquals(400, page.statusCode());
        assertTrue(page.body().asString().contains("redirect_uri"));
        assertNull(page.header("Location"));
    }

    @Test
    void withoutLoginHintAPageLetsThePersonPickOrCreateAMailbox() {
        String existing = uniqueAddress("pick");
        simulator.createMailbox(existing, "Pick Me", false);
        Map<String, String> params = authorizeParams(null, verifier());
        ExtractableResponse<Response> page = authorize(params);
        assertEquals(200, page.statusCode());
        String html = page.body().asString();
        assertTrue(html.contains("data-mailbox=\"" + existing + "\""), "the page lists mailboxes");
        assertTrue(html.contains("name=\"code_challenge\""), "the form carries the request");

        Map<String, String> pick = new HashMap<>(params);
        pick.put("action", "pick");
        pick.put("mailbox", existing);
        ExtractableResponse<Response> picked = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParams(pick).post(Sim.AUTHORIZE).then().extract();
        assertEquals(302, picked.statusCode());
        assertNotNull(query(picked.header("Location")).get("code"));
        assertEquals(params.get("state"), query(picked.header("Location")).get("state"));

        String created = uniqueAddress("made");
        Map<String, String> create = new HashMap<>(params);
        create.put("action", "create");
        create.put("address", created);
        create.put("displayName", "Made Here");
        create.put("personal", "true");
        ExtractableResponse<Response> made = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParams(create).post(Sim.AUTHORIZE).then().extract();
        assertEquals(302, made.statusCode());
        assertTrue(simulator.mailbox(created).orElseThrow().personal());

        Map<String, String> cancel = new HashMap<>(params);
        cancel.put("action", "cancel");
        ExtractableResponse<Response> cancelled = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParams(cancel).post(Sim.AUTHORIZE).then().extract();
        assertEquals("access_denied", query(cancelled.header("Location")).get("error"));
    }

    @Test
    void singleTenantAppsRefusePersonalAccountsAtTheCommonAuthority() {
        String address = uniqueAddress("live");
        simulator.createMailbox(address, null, true);
        simulator.setSingleTenant(true);
        try {
            ExtractableResponse<Response> refused = authorize(authorizeParams(address, verifier()));
            assertEquals(302, refused.statusCode());
            Map<String, String> query = query(refused.header("Location"));
            assertEquals("invalid_request", query.get("error"));
            assertTrue(query.get("error_description").startsWith("AADSTS50020"));
        } finally {
            simulator.setSingleTenant(null);
        }
        assertNotNull(query(authorize(authorizeParams(address, verifier())).header("Location")).get("code"));
    }

    @Test
    void discoveryNamesTheEndpoints() {
        given().get("/simulator/login/common/v2.0/.well-known/openid-configuration").then().statusCode(200)
                .body("token_endpoint", containsString("/simulator/login/common/oauth2/v2.0/token"))
                .body("authorization_endpoint", containsString("/simulator/login/common/oauth2/v2.0/authorize"));
    }
}
