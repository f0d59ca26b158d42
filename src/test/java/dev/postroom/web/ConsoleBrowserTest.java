package dev.postroom.web;

import dev.postroom.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In headless Chromium: sign up, send an email from the send console and watch its row turn {@code sent} (and a
 * rejected one turn {@code failed}) over SSE, without reloading; sign out and in again.
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static final Duration DELIVERY = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    @Test
    void anEmailSentFromTheConsoleTurnsSentLive() {
        try (Browser browser = Browser.open(base)) {
            BrowserFlows.signUp(browser, "browser-console");
            browser.go("/console");
            browser.find("#live-status.live"); // following the deliveries

            String delivered = send(browser, "console-" + UUID.randomUUID() + "@example.org", "Hello from the console");
            WebElement row = browser.waitUntil(DELIVERY, d -> browser.all("tr[data-email-id='" + delivered + "'][data-status='sent']")
                    .stream().findFirst().orElse(null));
            assertEquals("sent", row.findElement(org.openqa.selenium.By.cssSelector("[data-field=status]")).getText());
            browser.waitUntil(DELIVERY, d -> Integer.parseInt(browser.find("#summary-sent").getText()) >= 1);
            browser.screenshot("console-sent");

            String rejected = send(browser, "reject-" + UUID.randomUUID() + "@example.org", "Nobody home");
            WebElement failed = browser.waitUntil(DELIVERY, d -> browser.all("tr[data-email-id='" + rejected + "'][data-status='failed']")
                    .stream().findFirst().orElse(null));
            assertTrue(failed.getText().contains("550"), failed.getText());
            browser.waitUntil(DELIVERY, d -> Integer.parseInt(browser.find("#summary-failed").getText()) >= 1);
            browser.screenshot("console-failed");

            assertEquals(1, browser.all("tr[data-email-id='" + delivered + "']").size(), "one row per email, never two");
            BrowserFlows.Delays.of("send console, 'email' events", browser.timings(), "email").report();
        }
    }

    @Test
    void signOutThenSignInAgain() {
        try (Browser browser = Browser.open(base)) {
            String email = BrowserFlows.signUp(browser, "browser-signin");
            browser.go("/console");
            browser.click("#sign-out");
            // Signing out is a form post that lands elsewhere: wait for it before opening the console again.
            browser.waitUntil(java.time.Duration.ofSeconds(15), d -> !"/console".equals(browser.path()));
            browser.go("/console");
            assertEquals("/signin", browser.path(), "signed out: the console asks to sign in");
            browser.type("#email", email);
            browser.type("#password", dev.postroom.testing.TestUsers.PASSWORD);
            browser.click("#sign-in");
            browser.find("#send-form");
            assertEquals("/console", browser.path(), "back to the page that was asked for");
            assertEquals(email, browser.find("#signed-in-as").getText());
        }
    }

    /** Fills and submits the console's form; returns the id the API answered. */
    private static String send(Browser browser, String to, String subject) {
        browser.type("#send-to", to);
        browser.type("#send-subject", subject);
        browser.type("#send-text", "Sent from a browser test.");
        browser.click("#send-button");
        browser.waitUntil(Duration.ofSeconds(10), d -> browser.find("#send-result").getText().startsWith("Queued: "));
        return browser.find("#send-result").getAttribute("data-email-id");
    }
}
