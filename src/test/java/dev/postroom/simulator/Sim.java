package dev.postroom.simulator;

import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** What the simulator's tests do over and over: sign in like an OAuth client, call Graph, page through delta rounds. */
final class Sim {

    static final String CLIENT_ID = "postroom-simulator";
    static final String REDIRECT_URI = "http://localhost:1/oauth/outlook/callback";
    static final String SCOPES = "offline_access Mail.ReadWrite Mail.Send User.Read";
    static final String AUTHORIZE = "/simulator/login/common/oauth2/v2.0/authorize";
    static final String TOKEN = "/simulator/login/common/oauth2/v2.0/token";
    static final String GRAPH = "/simulator/graph/v1.0";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Tokens of one sign-in. */
    record Tokens(String accessToken, String refreshToken, Map<String, Object> body) {
    }

    /** One delta round: every entry of every page, the deltaLink it ended with, and how many pages it took. */
    record Round(List<Map<String, Object>> entries, String deltaLink, int pages) {
    }

    private Sim() {
    }

    static String uniqueAddress(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@sim.example";
    }

    static String verifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The parameters a client sends to /authorize, with a fresh state and the S256 challenge of the verifier. */
    static Map<String, String> authorizeParams(String loginHint, String verifier) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("client_id", CLIENT_ID);
        params.put("response_type", "code");
        params.put("redirect_uri", REDIRECT_URI);
        params.put("scope", SCOPES);
        params.put("response_mode", "query");
        params.put("state", "state-" + UUID.randomUUID());
        params.put("code_challenge", LoginService.s256(verifier));
        params.put("code_challenge_method", "S256");
        params.put("prompt", "select_account");
        if (loginHint != null) {
            params.put("login_hint", loginHint);
        }
        return params;
    }

    static ExtractableResponse<Response> authorize(Map<String, String> params) {
        return given().redirects().follow(false).queryParams(params).get(AUTHORIZE).then().extract();
    }

    /** Signs in to a mailbox with login_hint and returns the code of the redirect. */
    static String code(String address, String verifier) {
        Map<String, String> params = authorizeParams(address, verifier);
        ExtractableResponse<Response> response = authorize(params);
        assertEquals(302, response.statusCode(), response.body().asString());
        Map<String, String> query = query(response.header("Location"));
        assertEquals(params.get("state"), query.get("state"));
        assertNotNull(query.get("code"), response.header("Location"));
        return query.get("code");
    }

    static ExtractableResponse<Response> token(Map<String, String> form) {
        return given().contentType("application/x-www-form-urlencoded").formParams(form).post(TOKEN).then().extract();
    }

    static ExtractableResponse<Response> redeem(String code, String verifier, String redirectUri) {
        return token(Map.of("client_id", CLIENT_ID, "grant_type", "authorization_code", "code", code,
                "redirect_uri", redirectUri, "code_verifier", verifier, "scope", SCOPES));
    }

    static ExtractableResponse<Response> refresh(String refreshToken) {
        return token(Map.of("client_id", CLIENT_ID, "grant_type", "refresh_token", "refresh_token", refreshToken,
                "scope", SCOPES));
    }

    /** The whole code flow with PKCE for an existing mailbox. */
    static Tokens signIn(String address) {
        String verifier = verifier();
        ExtractableResponse<Response> response = redeem(code(address, verifier), verifier, REDIRECT_URI);
        assertEquals(200, response.statusCode(), response.body().asString());
        return new Tokens(response.path("access_token"), response.path("refresh_token"), json(response));
    }

    static RequestSpecification graph(String accessToken) {
        return given().header("Authorization", "Bearer " + accessToken).urlEncodingEnabled(false);
    }

    /** Pages through one delta round from {@code url} (a path or a link as given), with the page size preferred. */
    static Round round(String accessToken, String url, Integer pageSize, Runnable afterFirstPage) {
        List<Map<String, Object>> entries = new ArrayList<>();
        String next = url;
        int pages = 0;
        while (true) {
            RequestSpecification request = graph(accessToken);
            if (pageSize != null) {
                request.header("Prefer", "odata.maxpagesize=" + pageSize);
            }
            ExtractableResponse<Response> page = request.get(next).then().extract();
            assertEquals(200, page.statusCode(), page.body().asString());
            pages++;
            Map<String, Object> body = json(page);
            entries.addAll(list(body.get("value")));
            if (pages == 1 && afterFirstPage != null) {
                afterFirstPage.run();
            }
            String nextLink = (String) body.get("@odata.nextLink");
            if (nextLink == null) {
                String deltaLink = (String) body.get("@odata.deltaLink");
                assertNotNull(deltaLink, "a page has a nextLink or a deltaLink");
                return new Round(entries, deltaLink, pages);
            }
            next = nextLink;
        }
    }

    /** The JSON body as maps and lists (keys such as {@code @odata.nextLink} kept as they are). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(ExtractableResponse<Response> response) {
        return response.body().as(Map.class);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }

    static Map<String, String> query(String location) {
        Map<String, String> query = new LinkedHashMap<>();
        String raw = URI.create(location).getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                query.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }
}
