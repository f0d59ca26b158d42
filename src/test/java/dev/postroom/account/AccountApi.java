package dev.postroom.account;

import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;

/** What the account tests do over and over: act as a fresh client, sign up, call as a user. */
final class AccountApi {

    static final String COOKIE = "postroom_session";
    static final String SERVICE_KEY = "test-key-alice-0123456789";
    static final String PASSWORD = "correct horse battery";

    /**
     * Client addresses for X-Forwarded-For (the test profile trusts it), from the benchmarking range 198.18.0.0/15:
     * each test is a client of its own, so the per-IP sign-in limit of one test never trips another. Only ever a
     * header value: nothing is sent to these addresses.
     */
    private static final AtomicInteger NEXT_CLIENT = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));

    private AccountApi() {
    }

    /** A user made by {@link #signUp}: the secrets the API handed out once. */
    record User(String id, String email, String apiKey, String apiKeyId, String cookie) {
    }

    static String newClientIp() {
        int n = NEXT_CLIENT.getAndIncrement() & 0x1ffff;
        return "198." + (18 + (n >> 16)) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
    }

    static String uniqueEmail(String prefix) {
        return prefix + "-" + UUID.randomUUID() + "@example.org";
    }

    /** A request from a client of its own (its own IP). */
    static RequestSpecification client() {
        return given().header("X-Forwarded-For", newClientIp()).contentType("application/json");
    }

    static RequestSpecification withKey(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    /** Signed in by cookie, as the pages are; {@code X-Requested-With} as the pages' scripts send it. */
    static RequestSpecification withCookie(String cookie) {
        return given().cookie(COOKIE, cookie).header("X-Requested-With", "fetch").contentType("application/json");
    }

    static ExtractableResponse<Response> signUpResponse(String email, String password) {
        return client().body(Map.of("email", email, "password", password)).post("/api/accounts").then().extract();
    }

    static User signUp(String prefix) {
        String email = uniqueEmail(prefix);
        ExtractableResponse<Response> created = client().body(Map.of("email", email, "password", PASSWORD))
                .post("/api/accounts").then().statusCode(201).extract();
        return new User(created.path("id"), email, created.path("apiKey.key"), created.path("apiKey.id"),
                created.cookie(COOKIE));
    }
}
