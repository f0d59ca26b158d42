package dev.postroom.account;

import dev.postroom.account.AccountApi.User;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.postroom.account.AccountApi.COOKIE;
import static dev.postroom.account.AccountApi.PASSWORD;
import static dev.postroom.account.AccountApi.SERVICE_KEY;
import static dev.postroom.account.AccountApi.client;
import static dev.postroom.account.AccountApi.signUp;
import static dev.postroom.account.AccountApi.signUpResponse;
import static dev.postroom.account.AccountApi.uniqueEmail;
import static dev.postroom.account.AccountApi.withCookie;
import static dev.postroom.account.AccountApi.withKey;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local accounts over HTTP: sign-up, sign-in, sessions, personal API keys, and who sees what. */
@QuarkusTest
class AccountApiTest {

    @Inject
    Pool pool;

    @ConfigProperty(name = "postroom.public-url")
    String publicUrl;

    @Test
    void signUpSignsInAndShowsTheApiKeyOnce() {
        String email = uniqueEmail("signup");
        ExtractableResponse<Response> created = signUpResponse(email, PASSWORD);

        assertEquals(201, created.statusCode());
        assertEquals(email, created.path("email"));
        String key = created.path("apiKey.key");
        assertTrue(key.startsWith("pr_") && key.length() == 46, "pr_ and 32 bytes in base64url");
        assertEquals(key.substring(0, 8), created.path("apiKey.prefix"));
        assertEquals("default", created.path("apiKey.name"));
        String setCookie = created.header("Set-Cookie");
        assertTrue(setCookie.startsWith(COOKIE + "="), setCookie);
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/"),
                "the session cookie is HttpOnly, SameSite=Lax, Path=/: " + setCookie);
        assertTrue(!setCookie.contains("Secure"), "Secure only when postroom.public-url is https: " + setCookie);

        // Listed afterwards, but never with its secret.
        String keyId = created.path("apiKey.id");
        withKey(key).get("/api/keys").then().statusCode(200)
                .body("id", hasItem(keyId))
                .body("prefix", hasItem(key.substring(0, 8)))
                .body("[0]", not(hasKey("key")));
        // Stored: a bcrypt hash of the password, the SHA-256 of the key, the SHA-256 of the session token.
        String id = created.path("id");
        Row user = row("SELECT email, password_hash FROM app_user WHERE id = $1", UUID.fromString(id));
        assertTrue(user.getString("password_hash").startsWith("$2"), "bcrypt in Modular Crypt Format");
        assertNotEquals(PASSWORD, user.getString("password_hash"));
        Row stored = row("SELECT key_hash, key_prefix FROM user_api_key WHERE user_id = $1", UUID.fromString(id));
        assertNotEquals(key, stored.getString("key_hash"));
        assertEquals(Secrets.sha256Hex(key), stored.getString("key_hash"));
        assertEquals(0, count("SELECT count(*) FROM user_api_key WHERE key_hash = $1 OR key_prefix = $1", key));
        assertEquals(1, count("SELECT count(*) FROM user_session WHERE id_hash = $1 AND user_id = $2",
                Secrets.sha256Hex(created.cookie(COOKIE)), UUID.fromString(id)));
    }

    @Test
    void aUsersKeySendsAndReadsTheLogAndItsEntriesAreTheUsersAlone() {
        User alice = signUp("alice");
        User bob = signUp("bob");

        String id = withKey(alice.apiKey()).body(Map.of("to", uniqueEmail("to"), "subject", "Alice's own", "text", "t"))
                .post("/send").then().statusCode(202).extract().path("id");

        assertEquals(1, count("SELECT count(*) FROM email_log WHERE id = $1 AND owner = $2", UUID.fromString(id),
                "user:" + alice.id()), "the entry is owned by user:<id>");
        withKey(alice.apiKey()).get("/logs/email/" + id).then().statusCode(200).body("subject", is("Alice's own"));
        withKey(alice.apiKey()).get("/logs/email?limit=100").then().statusCode(200).body("data.id", hasItem(id));
        withCookie(alice.cookie()).get("/logs/email/" + id).then().statusCode(200);
        // Nobody else sees it, nor learns that it exists.
        withKey(bob.apiKey()).get("/logs/email/" + id).then().statusCode(404).contentType("application/problem+json");
        withKey(bob.apiKey()).get("/logs/email?limit=100").then().statusCode(200).body("data.id", not(hasItem(id)));
        withKey(SERVICE_KEY).get("/logs/email/" + id).then().statusCode(404);
        // Using the key is recorded (at most once a minute).
        assertEquals(1, count("SELECT count(*) FROM user_api_key WHERE id = $1 AND last_used_at IS NOT NULL",
                UUID.fromString(alice.apiKeyId())));
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSameAnswer() {
        User user = signUp("signin");
        var wrongPassword = client().body(Map.of("email", user.email(), "password", "not the password")).post("/api/session")
                .then().statusCode(401).contentType("application/problem+json").extract();
        var unknownEmail = client().body(Map.of("email", uniqueEmail("nobody"), "password", PASSWORD)).post("/api/session")
                .then().statusCode(401).contentType("application/problem+json").extract();

        assertEquals(wrongPassword.asString(), unknownEmail.asString(), "nothing tells whether the email has an account");
        assertEquals(null, wrongPassword.cookie(COOKIE));
        client().body(Map.of("email", "not an email", "password", PASSWORD)).post("/api/session").then().statusCode(401);

        // The right password signs in, whatever the case of the email.
        var signedIn = client().body(Map.of("email", user.email().toUpperCase(java.util.Locale.ROOT), "password", PASSWORD))
                .post("/api/session").then().statusCode(200)
                .body("id", is(user.id())).body("email", is(user.email())).extract();
        withCookie(signedIn.cookie(COOKIE)).get("/api/session").then().statusCode(200).body("id", is(user.id()));
    }

    @Test
    void anAddressCanHaveOnlyOneAccount() {
        User first = signUp("twice");
        client().body(Map.of("email", first.email(), "password", "another password")).post("/api/accounts")
                .then().statusCode(409).contentType("application/problem+json");
        client().body(Map.of("email", first.email().toUpperCase(java.util.Locale.ROOT), "password", "another password"))
                .post("/api/accounts").then().statusCode(409);
    }

    @Test
    void invalidSignUpsNameTheField() {
        client().body(Map.of("email", uniqueEmail("weak"), "password", "short")).post("/api/accounts")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", is(List.of("password")));
        client().body(Map.of("email", uniqueEmail("long"), "password", "x".repeat(201))).post("/api/accounts")
                .then().statusCode(400).body("errors.field", is(List.of("password")));
        client().body(Map.of("email", "not-an-address", "password", PASSWORD)).post("/api/accounts")
                .then().statusCode(400).body("errors.field", is(List.of("email")));
        client().body(Map.of("email", "Jane <jane@example.org>\r\nBcc: x@example.org", "password", "")).post("/api/accounts")
                .then().statusCode(400).body("errors.field", hasItems("email", "password"));
        client().body("{}").post("/api/accounts").then().statusCode(400).body("errors.field", hasItems("email", "password"));
        client().body("{\"email\": ").post("/api/accounts").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void returnToMustBeAnAllowedUrlAndIsPassedOn() {
        String allowed = publicUrl + "/mailboxes?linked=1";
        client().body(Map.of("email", uniqueEmail("return"), "password", PASSWORD, "returnTo", allowed))
                .post("/api/accounts").then().statusCode(201).body("returnTo", is(allowed));
        for (String elsewhere : List.of("https://evil.example/", publicUrl + ".evil.example/", "/relative",
                "javascript:alert(1)", publicUrl.replace("http://", "http://user@") + "/")) {
            client().body(Map.of("email", uniqueEmail("return"), "password", PASSWORD, "returnTo", elsewhere))
                    .post("/api/accounts").then().statusCode(400).body("errors.field", is(List.of("returnTo")));
        }
        client().body(Map.of("email", uniqueEmail("noreturn"), "password", PASSWORD)).post("/api/accounts")
                .then().statusCode(201).body("returnTo", nullValue());
    }

    @Test
    void keysAreMadeListedAndRevoked() {
        User user = signUp("keys");
        var created = withKey(user.apiKey()).body(Map.of("name", "ci")).post("/api/keys").then().statusCode(201)
                .body("name", is("ci")).body("key", notNullValue()).extract();
        String second = created.path("key");
        String secondId = created.path("id");

        withKey(second).get("/logs/email?limit=1").then().statusCode(200);
        withKey(user.apiKey()).get("/api/keys").then().statusCode(200)
                .body("name", is(List.of("default", "ci")))
                .body("revokedAt", everyItem(nullValue()));

        withKey(user.apiKey()).delete("/api/keys/" + secondId).then().statusCode(204);
        withKey(second).get("/logs/email?limit=1").then().statusCode(401);
        withKey(second).body(Map.of("to", uniqueEmail("to"), "subject", "s", "text", "t")).post("/send").then().statusCode(401);
        withKey(user.apiKey()).delete("/api/keys/" + secondId).then().statusCode(204);
        withKey(user.apiKey()).get("/api/keys").then().statusCode(200).body("find { it.id == '" + secondId + "' }.revokedAt", notNullValue());
        // Revoking one key leaves the others working.
        withKey(user.apiKey()).get("/api/session").then().statusCode(200).body("id", is(user.id()));

        // Someone else's key: 404, and it keeps working.
        User other = signUp("other");
        withKey(other.apiKey()).delete("/api/keys/" + user.apiKeyId()).then().statusCode(404).contentType("application/problem+json");
        withKey(user.apiKey()).get("/api/session").then().statusCode(200);
        withKey(user.apiKey()).delete("/api/keys/not-a-uuid").then().statusCode(404);
        withKey(user.apiKey()).body(Map.of("name", " ")).post("/api/keys").then().statusCode(400).body("errors.field", is(List.of("name")));
        withKey(user.apiKey()).body(Map.of("name", "x".repeat(101))).post("/api/keys").then().statusCode(400);
    }

    @Test
    void serviceKeysHaveNoAccount() {
        withKey(SERVICE_KEY).get("/api/keys").then().statusCode(403).contentType("application/problem+json");
        withKey(SERVICE_KEY).body(Map.of("name", "x")).post("/api/keys").then().statusCode(403);
        withKey(SERVICE_KEY).get("/api/session").then().statusCode(403);
        given().get("/api/keys").then().statusCode(401).contentType("application/problem+json");
        given().get("/api/session").then().statusCode(401);
    }

    @Test
    void theSessionCookieAuthenticatesUntilSignOut() {
        User user = signUp("session");
        withCookie(user.cookie()).get("/api/session").then().statusCode(200)
                .body("id", is(user.id())).body("email", is(user.email()));
        withCookie(user.cookie()).get("/logs/email?limit=1").then().statusCode(200);
        withCookie(user.cookie()).get("/api/keys").then().statusCode(200).body("id", hasItem(user.apiKeyId()));

        ExtractableResponse<Response> signedOut = withCookie(user.cookie()).delete("/api/session").then().statusCode(204).extract();
        String cleared = signedOut.header("Set-Cookie");
        assertNotNull(cleared);
        assertTrue(cleared.startsWith(COOKIE + "=") && cleared.contains("Max-Age=0"), "the cookie is cleared: " + cleared);
        assertEquals(0, count("SELECT count(*) FROM user_session WHERE id_hash = $1", Secrets.sha256Hex(user.cookie())));

        withCookie(user.cookie()).get("/api/session").then().statusCode(401).contentType("application/problem+json");
        withCookie(user.cookie()).get("/logs/email?limit=1").then().statusCode(401);
        withCookie("made-up-" + UUID.randomUUID()).get("/api/session").then().statusCode(401);
        // The API key outlives the session.
        withKey(user.apiKey()).get("/api/session").then().statusCode(200);
    }

    @Test
    void cookieRequestsThatChangeSomethingMustComeFromOurPages() {
        User user = signUp("csrf");
        String origin = publicUrl.replaceAll("/+$", "");

        given().cookie(COOKIE, user.cookie()).contentType("application/json").body(Map.of("name", "forged"))
                .post("/api/keys").then().statusCode(403).contentType("application/problem+json")
                .body("detail", containsString("X-Requested-With"));
        given().cookie(COOKIE, user.cookie()).header("Origin", "https://evil.example").contentType("application/json")
                .body(Map.of("name", "forged")).post("/api/keys").then().statusCode(403);
        given().cookie(COOKIE, user.cookie()).contentType("application/json")
                .body(Map.of("to", uniqueEmail("to"), "subject", "forged", "text", "t")).post("/send").then().statusCode(403);
        given().cookie(COOKIE, user.cookie()).delete("/api/session").then().statusCode(403);
        assertEquals(0, count("SELECT count(*) FROM user_api_key WHERE user_id = $1 AND name = 'forged'", UUID.fromString(user.id())));

        // Our own pages: X-Requested-With, or our Origin. Reads need neither; Bearer requests are exempt.
        withCookie(user.cookie()).body(Map.of("name", "from-fetch")).post("/api/keys").then().statusCode(201);
        given().cookie(COOKIE, user.cookie()).header("Origin", origin).contentType("application/json")
                .body(Map.of("name", "same-origin")).post("/api/keys").then().statusCode(201);
        given().cookie(COOKIE, user.cookie()).get("/api/keys").then().statusCode(200);
        given().header("Authorization", "Bearer " + user.apiKey()).contentType("application/json")
                .body(Map.of("name", "bearer")).post("/api/keys").then().statusCode(201);
    }

    @Test
    void signInAttemptsAreLimitedPerClientAddress() {
        User user = signUp("limited");
        String ip = AccountApi.newClientIp();
        for (int i = 0; i < 10; i++) {
            given().header("X-Forwarded-For", ip).contentType("application/json")
                    .body(Map.of("email", user.email(), "password", "guess number " + i)).post("/api/session")
                    .then().statusCode(401);
        }
        given().header("X-Forwarded-For", ip).contentType("application/json")
                .body(Map.of("email", user.email(), "password", PASSWORD)).post("/api/session")
                .then().statusCode(429).contentType("application/problem+json").header("Retry-After", notNullValue());
        // Another client is not held back.
        client().body(Map.of("email", user.email(), "password", PASSWORD)).post("/api/session").then().statusCode(200);
    }

    private Row row(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(10)).iterator().next();
    }

    private long count(String sql, Object... params) {
        return row(sql, params).getLong(0);
    }
}
