package dev.postroom.web;

import dev.postroom.testing.Browser;
import dev.postroom.testing.TestUsers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** What the browser tests do more than once: sign up as a person would, and read what pages.js measured. */
final class BrowserFlows {

    private BrowserFlows() {
    }

    /** Signs up through the sign-up form; the browser is signed in afterwards. Returns the address. */
    static String signUp(Browser browser, String prefix) {
        String email = TestUsers.uniqueEmail(prefix);
        browser.go("/signup");
        browser.type("#email", email);
        browser.type("#password", TestUsers.PASSWORD);
        browser.click("#sign-up");
        assertEquals(email, browser.find("#welcome-email").getText());
        assertFalse(browser.find("#api-key").getText().isBlank(), "the API key is shown once");
        return email;
    }

    /** The id of the user the browser is signed in as (asked of the API with the browser's session cookie). */
    static java.util.UUID userId(Browser browser) {
        String cookie = browser.driver().manage().getCookieNamed(TestUsers.SESSION_COOKIE).getValue();
        return java.util.UUID.fromString(io.restassured.RestAssured.given().cookie(TestUsers.SESSION_COOKIE, cookie)
                .get("/api/session").then().statusCode(200).extract().path("id"));
    }

    /** Delays of one kind of live event, in ms: from its append on Redis and from its arrival, to the page change. */
    record Delays(String what, List<Double> sinceRedis, List<Double> sinceArrival) {

        static Delays of(String what, List<Map<String, Object>> timings, String type) {
            List<Map<String, Object>> mine = timings.stream().filter(t -> type.equals(t.get("type"))).toList();
            return new Delays(what, mine.stream().map(t -> ((Number) t.get("sinceRedisMs")).doubleValue()).sorted().toList(),
                    mine.stream().map(t -> ((Number) t.get("sinceArrivalMs")).doubleValue()).sorted().toList());
        }

        static double p95(List<Double> sorted) {
            return sorted.isEmpty() ? Double.NaN : sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1);
        }

        /** One line for the performance note, also kept in target/screenshots/live-delays.txt. */
        String report() {
            String line = String.format("%s: %d events; Redis -> page p95 %.0f ms (max %.0f); arrival -> page p95 %.1f ms",
                    what, sinceRedis.size(), p95(sinceRedis), sinceRedis.isEmpty() ? Double.NaN : sinceRedis.getLast(),
                    p95(sinceArrival));
            try {
                Files.createDirectories(Browser.SCREENSHOTS);
                Files.writeString(Browser.SCREENSHOTS.resolve("live-delays.txt"), line + System.lineSeparator(),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.println(line);
            return line;
        }
    }
}
