package dev.postroom.account;

import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** What the linking tests do over and over: sign up, start a link, and act as the browser over real HTTP. */
public final class LinkApi {

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private LinkApi() {
    }

    /** A signed-up local user: id, email and personal API key. */
    public record User(UUID id, String email, String apiKey) {
    }

    public static String publicUrl() {
        return ConfigProvider.getConfig().getValue("postroom.public-url", String.class);
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12) + "@example.org";
    }

    /** Sign-up is rate limited per client IP: each sign-up comes from an address of its own (the test profile trusts X-Forwarded-For). */
    public static RequestSpecification fromNewClient() {
        int n = CLIENTS.incrementAndGet();
        return given().header("X-Forwarded-For", "198.19." + (n / 250 % 250) + "." + (n % 250 + 1))
                .contentType("application/json");
    }

    public static User signUp() {
        String email = unique("linker");
        ExtractableResponse<Response> created = fromNewClient()
                .body(Map.of("email", email, "password", "correct horse battery staple"))
                .post("/api/accounts").then().statusCode(201).extract();
        return new User(UUID.fromString(created.path("id")), email, created.path("apiKey.key"));
    }

    public static RequestSpecification as(User user) {
        return given().header("Authorization", "Bearer " + user.apiKey()).contentType("application/json");
    }

    /** POST /api/mailboxes/outlook: the authorization URL. */
    static URI startLink(User user, String returnTo, String loginHint) {
        Map<String, Object> body = new HashMap<>();
        if (returnTo != null) {
            body.put("returnTo", returnTo);
        }
        if (loginHint != null) {
            body.put("loginHint", loginHint);
        }
        String url = as(user).body(body).post("/api/mailboxes/outlook").then().statusCode(200)
                .extract().path("authorizationUrl");
        assertNotNull(url);
        return URI.create(url);
    }

    /** A browser that does not follow redirects: each step can be looked at. */
    static HttpClient stepByStep() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager()).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A browser that follows redirects, as a person's would. */
    static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager()).followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HttpResponse<String> get(HttpClient client, URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri.getPath() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The callback URL the simulator's authorize endpoint redirects to (login_hint of an existing mailbox: consent at once). */
    static URI authorize(URI authorizationUrl) {
        HttpResponse<String> response = get(stepByStep(), authorizationUrl);
        assertEquals(302, response.statusCode(), "the simulator consents at once for a known login_hint: " + response.body());
        URI callback = URI.create(response.headers().firstValue("Location").orElseThrow());
        assertEquals("/oauth/outlook/callback", callback.getPath());
        return callback;
    }

    /** The whole flow in a browser: start, authorize, callback, land on returnTo. Returns the linked mailbox id. */
    public static UUID link(User user, String loginHint) {
        URI authorizationUrl = startLink(user, "/?from=test", loginHint);
        HttpResponse<String> landed = get(browser(), authorizationUrl);
        assertEquals(200, landed.statusCode(), landed.body());
        Map<String, String> query = query(landed.uri());
        assertEquals("test", query.get("from"));
        return UUID.fromString(query.get("linked"));
    }

    static Map<String, String> query(URI uri) {
        Map<String, String> params = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.put(name, value);
            }
        }
        return params;
    }

    static URI withQuery(URI base, String query) {
        return URI.create(base.toString().substring(0, base.toString().indexOf('?') < 0 ? base.toString().length()
                : base.toString().indexOf('?')) + "?" + query);
    }
}
