package dev.postroom.account;

import dev.postroom.mail.Secret;
import dev.postroom.provider.AccessToken;
import dev.postroom.provider.MailProviders;
import dev.postroom.provider.ProviderUser;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.postroom.account.LinkApi.as;
import static dev.postroom.account.LinkApi.authorize;
import static dev.postroom.account.LinkApi.browser;
import static dev.postroom.account.LinkApi.get;
import static dev.postroom.account.LinkApi.query;
import static dev.postroom.account.LinkApi.signUp;
import static dev.postroom.account.LinkApi.startLink;
import static dev.postroom.account.LinkApi.stepByStep;
import static dev.postroom.account.LinkApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Linking Outlook end to end, against the built-in simulator over real HTTP, as a browser would. */
@QuarkusTest
class OutlookLinkTest {

    @Inject
    Pool pool;
    @Inject
    TokenVault vault;
    @Inject
    MailProviders providers;
    @Inject
    SimulatedOutlook outlook;
    @Inject
    ReactiveRedisDataSource redis;

    @Test
    void fullLinkFlowStoresTheMailboxAndItsTokensEncryptedAndAnnouncesIt() {
        LinkApi.User user = signUp();
        String address = unique("jane");
        String graphId = outlook.createMailbox(address, "Jane Doe");
        List<String> events = new CopyOnWriteArrayList<>();
        ReactiveRedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe(MailboxEvents.LINKED_CHANNEL, events::add).await().atMost(Duration.ofSeconds(5));
        try {
            URI authorizationUrl = startLink(user, "/?from=test", address);
            Map<String, String> authorize = query(authorizationUrl);
            assertEquals("code", authorize.get("response_type"));
            assertEquals("S256", authorize.get("code_challenge_method"));
            assertEquals("select_account", authorize.get("prompt"));
            assertEquals("offline_access Mail.ReadWrite Mail.Send User.Read", authorize.get("scope"));
            assertEquals(LinkApi.publicUrl() + "/oauth/outlook/callback", authorize.get("redirect_uri"));
            assertEquals(address, authorize.get("login_hint"));
            assertTrue(authorizationUrl.getPath().endsWith("/oauth2/v2.0/authorize"));

            HttpResponse<String> landed = get(browser(), authorizationUrl);

            assertEquals(200, landed.statusCode());
            Map<String, String> landedQuery = query(landed.uri());
            assertEquals("test", landedQuery.get("from"));
            UUID mailboxId = UUID.fromString(landedQuery.get("linked"));

            Row mailbox = row("SELECT * FROM linked_mailbox WHERE id = $1", mailboxId);
            assertEquals(user.id(), mailbox.getUUID("user_id"));
            assertEquals("outlook", mailbox.getString("provider"));
            assertEquals(address, mailbox.getString("address"));
            assertEquals("Jane Doe", mailbox.getString("display_name"));
            assertEquals(graphId, mailbox.getString("external_id"));
            assertEquals("active", mailbox.getString("status"));
            assertNotNull(mailbox.getOffsetDateTime("sync_requested_at"));

            // Stored encrypted: the bytes are not the token and do not contain it; the vault gives it back.
            Row tokens = row("SELECT * FROM mailbox_token WHERE mailbox_id = $1", mailboxId);
            String keyId = tokens.getString("key_id");
            assertEquals(vault.currentKeyId(), keyId);
            for (String column : List.of("access_token", "refresh_token")) {
                TokenVault.Purpose purpose = column.equals("access_token")
                        ? TokenVault.Purpose.ACCESS_TOKEN : TokenVault.Purpose.REFRESH_TOKEN;
                byte[] stored = tokens.getBuffer(column).getBytes();
                Secret token = vault.open(purpose, mailboxId.toString(), keyId, stored);
                assertTrue(token.reveal().length() > 10);
                String storedText = new String(stored, StandardCharsets.ISO_8859_1);
                assertNotEquals(token.reveal(), storedText);
                assertFalse(storedText.contains(token.reveal()), column + " is stored in clear");
                assertFalse(storedText.contains(token.reveal().substring(0, 8)), column + " leaks a prefix");
            }
            Instant expires = tokens.getOffsetDateTime("access_expires_at").toInstant();
            assertTrue(expires.isAfter(Instant.now().plus(Duration.ofMinutes(30))), "Microsoft-like lifetime: " + expires);
            // The stored access token is the one Graph accepts for this mailbox.
            Secret access = vault.open(TokenVault.Purpose.ACCESS_TOKEN, mailboxId.toString(), keyId,
                    tokens.getBuffer("access_token").getBytes());
            ProviderUser me = providers.get("outlook").currentUser(new AccessToken(access, expires))
                    .await().atMost(Duration.ofSeconds(10));
            assertEquals(graphId, me.externalId());

            as(user).get("/api/mailboxes").then().statusCode(200)
                    .body("data.id", hasItem(mailboxId.toString()))
                    .body("data.find { it.id == '" + mailboxId + "' }.address", is(address))
                    .body("data.find { it.id == '" + mailboxId + "' }.status", is("active"));
            as(user).get("/api/mailboxes/" + mailboxId).then().statusCode(200)
                    .body("id", is(mailboxId.toString()))
                    .body("provider", is("outlook"))
                    .body("address", is(address))
                    .body("displayName", is("Jane Doe"))
                    .body("status", is("active"))
                    .body("linkedAt", not(nullValue()))
                    .body("relinkUrl", nullValue());

            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().map(JsonObject::new)
                    .anyMatch(event -> event.equals(new JsonObject().put("mailboxId", mailboxId.toString())
                            .put("userId", user.id().toString()).put("address", address))));
        } finally {
            subscriber.unsubscribe().await().atMost(Duration.ofSeconds(5));
        }
    }

    @Test
    void aPersonalAccountIsLinkedUnderItsUserPrincipalName() {
        LinkApi.User user = signUp();
        String address = unique("personal").replace("example.org", "outlook.com");
        outlook.createPersonalMailbox(address, "Pat Personal");

        UUID mailboxId = LinkApi.link(user, address);

        as(user).get("/api/mailboxes/" + mailboxId).then().statusCode(200)
                .body("address", is(address))
                .body("displayName", is("Pat Personal"));
    }

    @Test
    void linkingTheSameAccountAgainUpdatesTheSameMailbox() {
        LinkApi.User user = signUp();
        String address = unique("twice");
        outlook.createMailbox(address, "Twice");

        UUID first = LinkApi.link(user, address);
        UUID second = LinkApi.link(user, address);

        assertEquals(first, second);
        as(user).get("/api/mailboxes").then().statusCode(200).body("data.size()", is(1));
    }

    @Test
    void aCallbackReplayedOrWithAForeignOrExpiredStateIsRefusedWithAPage() {
        LinkApi.User user = signUp();
        String address = unique("replay");
        outlook.createMailbox(address, "Replay");

        // A state that was never issued, with an otherwise good code: refused, and the code is not redeemed.
        URI callback = authorize(startLink(user, null, address));
        Map<String, String> params = query(callback);
        URI forged = URI.create(LinkApi.publicUrl() + "/oauth/outlook/callback?code="
                + encode(params.get("code")) + "&state=" + encode("forged-" + UUID.randomUUID()));
        HttpResponse<String> refused = get(stepByStep(), forged);
        assertEquals(400, refused.statusCode());
        assertTrue(refused.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(refused.body().contains("This link can&#39;t be completed") || refused.body().contains("This link can't be completed"),
                refused.body());
        assertFalse(refused.body().contains("Exception"), "no stack trace");

        // The real callback works once...
        HttpResponse<String> first = get(stepByStep(), callback);
        assertEquals(303, first.statusCode(), first.body());
        assertTrue(first.headers().firstValue("Location").orElseThrow().contains("linked="));
        // ...and a replay is refused.
        HttpResponse<String> replay = get(stepByStep(), callback);
        assertEquals(400, replay.statusCode());
        assertTrue(replay.body().contains("already used"), replay.body());

        // An expired state.
        URI late = authorize(startLink(user, null, address));
        execute("UPDATE oauth_state SET expires_at = now() - interval '1 second' WHERE state_hash = $1",
                OAuthStates.hash(query(late).get("state")));
        HttpResponse<String> expired = get(stepByStep(), late);
        assertEquals(400, expired.statusCode());
        assertTrue(expired.body().contains("expired"), expired.body());

        // No state at all.
        assertEquals(400, get(stepByStep(), URI.create(LinkApi.publicUrl() + "/oauth/outlook/callback?code=x")).statusCode());
        as(user).get("/api/mailboxes").then().statusCode(200).body("data.size()", is(1));
    }

    @Test
    void aVerifierThatDoesNotMatchTheChallengeIsRefusedByTheTokenEndpoint() {
        LinkApi.User user = signUp();
        String address = unique("pkce");
        outlook.createMailbox(address, "Pkce");
        URI authorizationUrl = startLink(user, null, address);
        // Someone swaps the stored verifier: the code exchange must fail the PKCE check.
        String stateHash = OAuthStates.hash(query(authorizationUrl).get("state"));
        TokenVault.Sealed wrong = vault.seal(TokenVault.Purpose.CODE_VERIFIER, stateHash,
                Secret.of("a-different-verifier-that-is-long-enough-" + UUID.randomUUID()));
        execute("UPDATE oauth_state SET key_id = $2, code_verifier = $3 WHERE state_hash = $1", stateHash,
                wrong.keyId(), io.vertx.core.buffer.Buffer.buffer(wrong.bytes()));

        HttpResponse<String> page = get(browser(), authorizationUrl);

        assertEquals(400, page.statusCode());
        assertTrue(page.body().contains("AADSTS501481"), page.body());
        assertTrue(page.body().contains("could not be completed securely"), page.body());
        as(user).get("/api/mailboxes").then().statusCode(200).body("data.size()", is(0));
    }

    @Test
    void errorsOfTheIdentityPlatformAreExplainedAndUseUpTheState() {
        LinkApi.User user = signUp();
        URI authorizationUrl = startLink(user, "/?from=denied", null);
        String state = query(authorizationUrl).get("state");

        HttpResponse<String> denied = get(stepByStep(), URI.create(LinkApi.publicUrl()
                + "/oauth/outlook/callback?error=access_denied&error_description="
                + encode("AADSTS65004: User declined to consent to access the app.") + "&state=" + encode(state)));

        assertEquals(400, denied.statusCode());
        assertTrue(denied.body().contains("Linking was cancelled"), denied.body());
        assertTrue(denied.body().contains("href=\"/?from=denied\""), denied.body());
        assertEquals(1, count("SELECT count(*) FROM oauth_state WHERE state_hash = $1 AND used_at IS NOT NULL",
                OAuthStates.hash(state)));

        HttpResponse<String> singleTenant = get(stepByStep(), URI.create(LinkApi.publicUrl()
                + "/oauth/outlook/callback?error=invalid_request&error_description="
                + encode("AADSTS50020: User account 'x@outlook.com' from identity provider 'live.com' does not exist "
                        + "in tenant 'Contoso' and cannot access the application.")));
        assertEquals(400, singleTenant.statusCode());
        assertTrue(singleTenant.body().contains("Accounts in any organizational directory and personal Microsoft accounts"),
                singleTenant.body());
        assertTrue(singleTenant.body().contains("AADSTS50020"));
    }

    @Test
    void aPersonalAccountRefusedByASingleTenantAppGetsTheRegistrationAdvice() {
        LinkApi.User user = signUp();
        String address = unique("hotmail").replace("example.org", "hotmail.com");
        outlook.createPersonalMailbox(address, "Single Tenant Victim");
        outlook.setSingleTenant(true);
        try {
            HttpResponse<String> page = get(browser(), startLink(user, null, address));

            assertEquals(400, page.statusCode());
            assertTrue(page.body().contains("AADSTS50020"), page.body());
            assertTrue(page.body().contains("Accounts in any organizational directory and personal Microsoft accounts"));
            as(user).get("/api/mailboxes").then().statusCode(200).body("data.size()", is(0));
        } finally {
            outlook.setSingleTenant(null);
        }
    }

    @Test
    void signUpAnswersWithTheAuthorizationUrlAndItsReturnToIsHonoured() {
        String address = unique("onecall");
        outlook.createMailbox(address, "One Call");
        String returnTo = LinkApi.publicUrl() + "/?welcome=1";
        var created = LinkApi.fromNewClient()
                .body(Map.of("email", unique("onecall-user"), "password", "correct horse battery staple",
                        "returnTo", returnTo))
                .post("/api/accounts").then().statusCode(201).extract();
        URI authorizationUrl = URI.create(created.<String>path("authorizationUrl"));

        HttpResponse<String> landed = get(browser(), URI.create(authorizationUrl + "&login_hint=" + encode(address)));

        assertEquals(200, landed.statusCode());
        assertTrue(landed.uri().toString().startsWith(returnTo + "&linked="), landed.uri().toString());
        LinkApi.User user = new LinkApi.User(UUID.fromString(created.path("id")), null, created.path("apiKey.key"));
        as(user).get("/api/mailboxes").then().statusCode(200).body("data[0].address", is(address));
    }

    @Test
    void onlyLocalUsersLinkAndReturnToMustBeAllowed() {
        given().header("Authorization", "Bearer test-key-alice-0123456789").contentType("application/json")
                .body(Map.of()).post("/api/mailboxes/outlook").then().statusCode(403)
                .contentType("application/problem+json");
        given().contentType("application/json").body(Map.of()).post("/api/mailboxes/outlook").then().statusCode(401);
        LinkApi.User user = signUp();
        as(user).body(Map.of("returnTo", "https://evil.example/")).post("/api/mailboxes/outlook").then()
                .statusCode(400).body("errors.field", hasItem("returnTo"));
        as(user).body(Map.of("returnTo", "//evil.example/")).post("/api/mailboxes/outlook").then().statusCode(400);
    }

    @Test
    void oneUserCannotSeeOrActOnAnothersMailbox() {
        LinkApi.User alice = signUp();
        LinkApi.User bob = signUp();
        String address = unique("private");
        outlook.createMailbox(address, "Private");
        UUID mailboxId = LinkApi.link(alice, address);

        as(bob).get("/api/mailboxes/" + mailboxId).then().statusCode(404).contentType("application/problem+json");
        as(bob).body(Map.of()).post("/api/mailboxes/" + mailboxId + "/relink").then().statusCode(404);
        as(bob).get("/api/mailboxes").then().statusCode(200).body("data.id", not(hasItem(mailboxId.toString())));
        // An id that exists nowhere answers exactly like someone else's.
        as(bob).get("/api/mailboxes/" + UUID.randomUUID()).then().statusCode(404);
        as(bob).get("/api/mailboxes/not-a-uuid").then().statusCode(404);
        as(alice).get("/api/mailboxes/" + mailboxId).then().statusCode(200);
    }

    private Row row(String sql, Object... params) {
        var rows = pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(10));
        assertEquals(1, rows.size(), sql);
        return rows.iterator().next();
    }

    private long count(String sql, Object... params) {
        return row(sql, params).getLong(0);
    }

    private void execute(String sql, Object... params) {
        pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(10));
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
