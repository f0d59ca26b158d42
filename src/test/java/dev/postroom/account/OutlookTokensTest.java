package dev.postroom.account;

import dev.postroom.provider.AccessToken;
import dev.postroom.provider.MailProviders;
import dev.postroom.provider.ProviderUnauthorizedException;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.postroom.account.LinkApi.as;
import static dev.postroom.account.LinkApi.browser;
import static dev.postroom.account.LinkApi.get;
import static dev.postroom.account.LinkApi.query;
import static dev.postroom.account.LinkApi.signUp;
import static dev.postroom.account.LinkApi.unique;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** OutlookTokens against the simulator: fresh tokens, refresh before expiry and after a 401, rotation, revocation. */
@QuarkusTest
class OutlookTokensTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    OutlookTokens tokens;
    @Inject
    MailProviders providers;
    @Inject
    SimulatedOutlook outlook;
    @Inject
    Pool pool;

    private record Linked(LinkApi.User user, String address, UUID mailboxId) {
    }

    private Linked linkNewMailbox(String prefix) {
        LinkApi.User user = signUp();
        String address = unique(prefix);
        outlook.createMailbox(address, prefix);
        return new Linked(user, address, LinkApi.link(user, address));
    }

    @Test
    void aFreshTokenIsReturnedAsStoredWithoutRefreshing() {
        Linked linked = linkNewMailbox("fresh");
        byte[] refreshBefore = storedRefreshToken(linked.mailboxId());

        AccessToken first = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);
        AccessToken second = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);

        assertEquals(first.token(), second.token());
        assertEquals(java.util.Arrays.toString(refreshBefore), java.util.Arrays.toString(storedRefreshToken(linked.mailboxId())));
    }

    @Test
    void aTokenThatExpiresWithinTheMarginIsRefreshedAndTheRotatedRefreshTokenStored() {
        Linked linked = linkNewMailbox("expiring");
        AccessToken old = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);
        byte[] oldRefresh = storedRefreshToken(linked.mailboxId());
        expireSoon(linked.mailboxId());

        AccessToken renewed = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);

        assertNotEquals(old.token(), renewed.token());
        assertNotEquals(java.util.Arrays.toString(oldRefresh), java.util.Arrays.toString(storedRefreshToken(linked.mailboxId())));
        assertEquals(linked.address(), providers.get("outlook").currentUser(renewed).await().atMost(WAIT).address());
        // The renewed token is stored: the next call gets it without refreshing again.
        assertEquals(renewed.token(), tokens.accessToken(linked.mailboxId()).await().atMost(WAIT).token());
        // And a second refresh works, so the stored refresh token is the rotated one (the simulator refuses used ones).
        expireSoon(linked.mailboxId());
        assertNotEquals(renewed.token(), tokens.accessToken(linked.mailboxId()).await().atMost(WAIT).token());
    }

    @Test
    void withShortLivedTokensEveryCallWithinTheMarginRefreshes() {
        // The simulator issues tokens that live less than the 5-minute margin: each is refreshed before use.
        outlook.setAccessTokenLifetime(Duration.ofMinutes(2));
        try {
            Linked linked = linkNewMailbox("shortlived");
            AccessToken first = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);
            AccessToken second = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);

            assertNotEquals(first.token(), second.token());
            assertEquals(linked.address(), providers.get("outlook").currentUser(second).await().atMost(WAIT).address());
        } finally {
            outlook.setAccessTokenLifetime(null);
        }
    }

    @Test
    void concurrentCallersShareOneRefresh() {
        Linked linked = linkNewMailbox("storm");
        expireSoon(linked.mailboxId());

        List<Uni<AccessToken>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(tokens.accessToken(linked.mailboxId()));
            calls.add(tokens.refreshAfterUnauthorized(linked.mailboxId()));
        }
        List<AccessToken> results = Uni.join().all(calls).andFailFast().await().atMost(WAIT);

        // A second refresh would have used the rotated-away refresh token: invalid_grant, needs_relink.
        assertEquals(1, new HashSet<>(results.stream().map(t -> t.token().reveal()).toList()).size());
        as(linked.user()).get("/api/mailboxes/" + linked.mailboxId()).then().statusCode(200).body("status", is("active"));
    }

    @Test
    void afterGraphRefusesTheTokenAForcedRefreshGetsOneThatWorks() {
        Linked linked = linkNewMailbox("unauthorized");
        AccessToken current = tokens.accessToken(linked.mailboxId()).await().atMost(WAIT);
        outlook.expireAccessTokens(linked.address());

        Throwable refused = assertThrows(RuntimeException.class,
                () -> providers.get("outlook").currentUser(current).await().atMost(WAIT));
        assertInstanceOf(ProviderUnauthorizedException.class, refused);

        AccessToken renewed = tokens.refreshAfterUnauthorized(linked.mailboxId(), current).await().atMost(WAIT);
        assertNotEquals(current.token(), renewed.token());
        assertEquals(linked.address(), providers.get("outlook").currentUser(renewed).await().atMost(WAIT).address());
        // A late caller with the same rejected token gets the new one without another refresh.
        assertEquals(renewed.token(), tokens.refreshAfterUnauthorized(linked.mailboxId(), current).await().atMost(WAIT).token());
    }

    @Test
    void aRevokedRefreshTokenMarksTheMailboxNeedsRelinkUntilThePersonSignsInAgain() {
        Linked linked = linkNewMailbox("revoked");
        outlook.revokeRefreshTokens(linked.address());

        assertThrows(MailboxNeedsRelinkException.class,
                () -> tokens.refreshAfterUnauthorized(linked.mailboxId()).await().atMost(WAIT));

        as(linked.user()).get("/api/mailboxes/" + linked.mailboxId()).then().statusCode(200)
                .body("status", is("needs_relink"))
                .body("relinkUrl", is("/api/mailboxes/" + linked.mailboxId() + "/relink"));
        // Later calls fail at once, without asking Microsoft again.
        assertThrows(MailboxNeedsRelinkException.class, () -> tokens.accessToken(linked.mailboxId()).await().atMost(WAIT));

        // Re-link: sign in again with the mailbox pre-filled; the same mailbox is active again.
        String url = as(linked.user()).body(Map.of("returnTo", "/?from=relink"))
                .post("/api/mailboxes/" + linked.mailboxId() + "/relink")
                .then().statusCode(200).extract().path("authorizationUrl");
        assertEquals(linked.address(), query(URI.create(url)).get("login_hint"));
        HttpResponse<String> landed = get(browser(), URI.create(url));
        assertEquals(linked.mailboxId().toString(), query(landed.uri()).get("linked"));
        as(linked.user()).get("/api/mailboxes/" + linked.mailboxId()).then().statusCode(200)
                .body("status", is("active")).body("relinkUrl", nullValue());
        assertEquals(linked.address(), providers.get("outlook")
                .currentUser(tokens.accessToken(linked.mailboxId()).await().atMost(WAIT)).await().atMost(WAIT).address());
    }

    @Test
    void anUnknownMailboxHasNoTokens() {
        assertThrows(MailboxNotFoundException.class, () -> tokens.accessToken(UUID.randomUUID()).await().atMost(WAIT));
    }

    private void expireSoon(UUID mailboxId) {
        pool.preparedQuery("UPDATE mailbox_token SET access_expires_at = now() + interval '1 minute' WHERE mailbox_id = $1")
                .execute(Tuple.of(mailboxId)).await().atMost(WAIT);
    }

    private byte[] storedRefreshToken(UUID mailboxId) {
        return pool.preparedQuery("SELECT refresh_token FROM mailbox_token WHERE mailbox_id = $1")
                .execute(Tuple.of(mailboxId)).await().atMost(WAIT).iterator().next().getBuffer("refresh_token").getBytes();
    }
}
