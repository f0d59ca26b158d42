package dev.postroom.provider.graph;

import dev.postroom.provider.ProviderUnauthorizedException;
import dev.postroom.provider.ProviderUnavailableException;
import dev.postroom.provider.ResourceGoneException;
import dev.postroom.provider.SyncStateLostException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading Graph's answers without a server: Retry-After, error translation, date-times. */
class GraphErrorsTest {

    private static final Instant NOW = Instant.parse("2015-10-21T07:27:30Z");

    @Test
    void retryAfterIsReadAsWholeOrFractionalSecondsRoundedUpToTheMillisecond() {
        assertEquals(Duration.ofSeconds(10), GraphMailbox.retryAfter("10", NOW));
        assertEquals(Duration.ofSeconds(10), GraphMailbox.retryAfter(" 10 ", NOW));
        assertEquals(Duration.ofMillis(2128), GraphMailbox.retryAfter("2.128", NOW));
        assertEquals(Duration.ofMillis(2129), GraphMailbox.retryAfter("2.1281", NOW), "rounded up, never down");
        assertEquals(Duration.ofMillis(500), GraphMailbox.retryAfter("0.5", NOW));
        assertEquals(Duration.ofMillis(1), GraphMailbox.retryAfter("0.0001", NOW));
        assertEquals(Duration.ZERO, GraphMailbox.retryAfter("0", NOW));
    }

    @Test
    void retryAfterAsAnHttpDateIsTheTimeLeftUntilThen() {
        assertEquals(Duration.ofSeconds(30), GraphMailbox.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", NOW));
        assertEquals(Duration.ZERO, GraphMailbox.retryAfter("Wed, 21 Oct 2015 07:00:00 GMT", NOW), "a date in the past");
    }

    @Test
    void garbageRetryAfterIsNull() {
        for (String garbage : new String[] {null, "", "  ", "soon", "-5", "1e3", "NaN", "Infinity", "2,5", "10 s",
                "99999999999999999999", "Wed, 32 Oct 2015 07:28:00 GMT"}) {
            assertNull(GraphMailbox.retryAfter(garbage, NOW), garbage);
        }
    }

    @Test
    void throttlingAndServerErrorsAreUnavailableWithTheirRetryAfter() {
        var throttled = assertInstanceOf(ProviderUnavailableException.class,
                failure(429, "2.128", "TooManyRequests"));
        assertTrue(throttled.throttled());
        assertEquals(Optional.of(Duration.ofMillis(2128)), throttled.retryAfter());
        assertTrue(throttled.getMessage().contains("429 TooManyRequests"), throttled.getMessage());

        var concurrency = assertInstanceOf(ProviderUnavailableException.class, failure(429, null, "ApplicationThrottled"));
        assertTrue(concurrency.throttled());
        assertEquals(Optional.empty(), concurrency.retryAfter());

        var unavailable = assertInstanceOf(ProviderUnavailableException.class, failure(503, "3", "ServiceUnavailable"));
        assertFalse(unavailable.throttled());
        assertEquals(Optional.of(Duration.ofSeconds(3)), unavailable.retryAfter());
        var bare = assertInstanceOf(ProviderUnavailableException.class,
                GraphMailbox.failure("GET x", 502, "garbage", null, NOW));
        assertEquals(Optional.empty(), bare.retryAfter());
    }

    @Test
    void lostSyncStateIs410OrAnyStatusWithASyncStateCodeInAnyCase() {
        assertInstanceOf(SyncStateLostException.class, failure(410, null, null));
        assertInstanceOf(SyncStateLostException.class, failure(410, null, "SyncStateNotFound"));
        assertInstanceOf(SyncStateLostException.class, failure(400, null, "syncstatenotfound"));
        assertInstanceOf(SyncStateLostException.class, failure(400, null, "ResyncRequired"));
        assertInstanceOf(SyncStateLostException.class, failure(400, null, "SyncStateInvalid"));
        assertInstanceOf(ProviderUnavailableException.class, failure(400, null, "ErrorInvalidRequest"));
    }

    @Test
    void refusedTokensAndMissingThingsHaveTheirOwnExceptions() {
        assertInstanceOf(ProviderUnauthorizedException.class, failure(401, null, "InvalidAuthenticationToken"));
        assertInstanceOf(ResourceGoneException.class, failure(404, null, "ErrorItemNotFound"));
        assertInstanceOf(ResourceGoneException.class, failure(404, null, null));
    }

    @Test
    void onlyCodeLikeErrorCodesReachTheMessage() {
        RuntimeException odd = failure(400, null, "Bearer eyJ0eXAi.secret token here");
        assertEquals("Microsoft Graph GET x answered 400", odd.getMessage());
    }

    @Test
    void dateTimesAreReadWithZOrAnOffsetOrWithoutZone() {
        assertEquals(Instant.parse("2024-05-01T10:00:00Z"), GraphMailbox.instant("2024-05-01T10:00:00Z"));
        assertEquals(Instant.parse("2024-05-01T08:00:00Z"), GraphMailbox.instant("2024-05-01T10:00:00+02:00"));
        assertEquals(Instant.parse("2024-05-01T10:00:00.1234567Z"), GraphMailbox.instant("2024-05-01T10:00:00.1234567Z"));
        assertEquals(Instant.parse("2024-05-01T10:00:00Z"), GraphMailbox.instant("2024-05-01T10:00:00"));
        assertNull(GraphMailbox.instant(null));
        assertNull(GraphMailbox.instant("yesterday"));
    }

    private static RuntimeException failure(int status, String retryAfter, String code) {
        JsonObject body = code == null ? null : new JsonObject().put("error", new JsonObject().put("code", code).put("message", "m"));
        return GraphMailbox.failure("GET x", status, retryAfter, body, NOW);
    }
}
