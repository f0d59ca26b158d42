package dev.postroom.testing;

import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;

/** Local users for tests outside the account package: sign up over the API and keep what it hands out once. */
public final class TestUsers {

    public static final String SESSION_COOKIE = "postroom_session";
    public static final String PASSWORD = "correct horse battery staple";
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private TestUsers() {
    }

    /** A signed-up user: id, email, the first personal API key and the session cookie. */
    public record User(UUID id, String email, String apiKey, String sessionCookie) {

        /** The owner of the user's data, as in {@code Caller.owner()}. */
        public String owner() {
            return "user:" + id;
        }
    }

    public static String uniqueEmail(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12) + "@example.org";
    }

    /** Signs up a new user, from a client address of its own (sign-ups are limited per client IP). */
    public static User signUp(String prefix) {
        int n = CLIENTS.incrementAndGet();
        String email = uniqueEmail(prefix);
        ExtractableResponse<Response> created = given().header("X-Forwarded-For", "198.18.200." + (n % 250 + 1))
                .contentType("application/json").body(Map.of("email", email, "password", PASSWORD))
                .post("/api/accounts").then().statusCode(201).extract();
        return new User(UUID.fromString(created.path("id")), email, created.path("apiKey.key"),
                created.cookie(SESSION_COOKIE));
    }
}
