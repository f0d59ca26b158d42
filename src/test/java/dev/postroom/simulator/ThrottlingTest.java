package dev.postroom.simulator;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static dev.postroom.simulator.Sim.graph;
import static dev.postroom.simulator.Sim.signIn;
import static dev.postroom.simulator.Sim.uniqueAddress;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graph's throttling per mailbox (request budget, 4 concurrent requests), injected faults, and the statistics. */
@QuarkusTest
class ThrottlingTest {

    @Inject
    OutlookSimulator simulator;

    @ConfigProperty(name = "postroom.public-url")
    String publicUrl;

    @Test
    void aUsedUpBudgetAnswers429WithRetryAfterAndCountsWhatCameTooEarly() throws InterruptedException {
        String address = uniqueAddress("budget");
        simulator.createMailbox(address, null, false);
        String token = signIn(address).accessToken();
        simulator.setLimits(address, new Limits(3, Duration.ofMinutes(10), 4));
        simulator.resetStats(address);

        for (int i = 0; i < 3; i++) {
            graph(token).get(Sim.GRAPH + "/me").then().statusCode(200);
        }
        ExtractableResponse<Response> throttled = graph(token).get(Sim.GRAPH + "/me").then().extract();
        assertEquals(429, throttled.statusCode());
        assertEquals("TooManyRequests", throttled.path("error.code"));
        double retryAfter = Double.parseDouble(throttled.header("Retry-After"));
        assertTrue(retryAfter > 500 && retryAfter <= 600, "the rest of the 10-minute window: " + retryAfter);
        Thread.sleep(150); // past the grace for requests already on their way (retry-after-grace, 100 ms)
        graph(token).get(Sim.GRAPH + "/me/mailFolders").then().statusCode(429);

        ThrottleStats stats = simulator.stats(address);
        assertEquals(5, stats.requests());
        assertEquals(3, stats.admitted());
        assertEquals(2, stats.throttled());
        assertEquals(1, stats.duringRetryAfter(), "the fifth request ignored the Retry-After of the fourth");

        // Another mailbox is not slowed down.
        String other = uniqueAddress("budget-other");
        simulator.createMailbox(other, null, false);
        graph(signIn(other).accessToken()).get(Sim.GRAPH + "/me").then().statusCode(200);

        simulator.setLimits(address, null);
        graph(token).get(Sim.GRAPH + "/me").then().statusCode(200);
    }

    @Test
    void fiveConcurrentRequestsGetAnApplicationThrottled429() {
        String address = uniqueAddress("concurrent");
        simulator.createMailbox(address, null, false);
        String token = signIn(address).accessToken();
        simulator.setFaults(address, Faults.none().withLatency(Duration.ofMillis(800)));
        simulator.resetStats(address);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 5)
                    .mapToObj(i -> http.sendAsync(HttpRequest.newBuilder(URI.create(publicUrl + Sim.GRAPH + "/me"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()))
                    .toList();
            List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
            List<HttpResponse<String>> refused = responses.stream().filter(r -> r.statusCode() == 429).toList();
            assertTrue(refused.size() >= 1, "at least one of 5 concurrent requests is refused");
            assertTrue(refused.get(0).body().contains("ApplicationThrottled"), refused.get(0).body());
            assertTrue(refused.get(0).body().contains("MailboxConcurrency"));
            assertNotNull(refused.get(0).headers().firstValue("Retry-After").orElse(null));
            assertEquals(5 - refused.size(), responses.stream().filter(r -> r.statusCode() == 200).count());
        } finally {
            simulator.setFaults(address, null);
        }
        ThrottleStats stats = simulator.stats(address);
        assertEquals(5, stats.requests());
        assertEquals(5, stats.maxConcurrent());
        assertTrue(stats.concurrencyThrottled() >= 1);
    }

    @Test
    void injectedStormsAndOutagesAnswer429And503() {
        String address = uniqueAddress("storm");
        simulator.createMailbox(address, null, false);
        String token = signIn(address).accessToken();
        simulator.setFaults(address, Faults.none().withThrottling(1.0, Duration.ofMillis(2500)));
        try {
            ExtractableResponse<Response> stormed = graph(token).get(Sim.GRAPH + "/me").then().extract();
            assertEquals(429, stormed.statusCode());
            assertEquals("2.500", stormed.header("Retry-After"));
            assertEquals("TooManyRequests", stormed.path("error.code"));

            simulator.setFaults(address, Faults.none().withUnavailability(1.0, Duration.ofSeconds(3)));
            graph(token).get(Sim.GRAPH + "/me").then().statusCode(503).header("Retry-After", "3")
                    .body("error.code", is("ServiceUnavailable"));
            simulator.setFaults(address, Faults.none().withUnavailability(1.0, null));
            assertEquals(null, graph(token).get(Sim.GRAPH + "/me").then().statusCode(503).extract().header("Retry-After"));
        } finally {
            simulator.setFaults(address, null);
        }
        graph(token).get(Sim.GRAPH + "/me").then().statusCode(200);
        assertEquals(2, simulator.stats(address).unavailable());
    }

    @Test
    void theAdminApiSetsFaultsAndReadsStatistics() {
        String address = uniqueAddress("admin");
        given().contentType("application/json").body("{\"address\":\"" + address + "\",\"displayName\":\"Admin Test\"}")
                .post("/simulator/api/mailboxes").then().statusCode(201).body("address", is(address));
        given().contentType("application/json").body("{\"count\":250,\"seed\":7}")
                .post("/simulator/api/mailboxes/" + address + "/generate").then().statusCode(200).body("messages", is(250));
        given().contentType("application/json").body("{\"throttleRate\":1.0,\"throttleRetryAfter\":\"PT4S\"}")
                .put("/simulator/api/mailboxes/" + address + "/faults").then().statusCode(200);
        String token = signIn(address).accessToken();
        graph(token).get(Sim.GRAPH + "/me").then().statusCode(429).header("Retry-After", "4");
        given().delete("/simulator/api/mailboxes/" + address + "/faults").then().statusCode(204);
        graph(token).get(Sim.GRAPH + "/me").then().statusCode(200);
        given().get("/simulator/api/mailboxes/" + address + "/stats").then().statusCode(200)
                .body("requests", is(2)).body("throttled", is(1));
    }
}
