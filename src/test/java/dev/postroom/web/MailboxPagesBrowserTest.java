package dev.postroom.web;

import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.testing.Browser;
import dev.postroom.testing.TestUsers;
import io.quarkus.test.common.http.TestHTTPResource;
import dev.postroom.testing.SyncEngineRunning;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.Select;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole inbound story in headless Chromium, with the real sync engine (dev.postroom.sync) and the Outlook
 * simulator standing in for Microsoft: sign up, link the simulator's mailbox through its sign-in page, watch the
 * first sync reach 100 %, then read a message and move another one in the simulator's mailbox page (Outlook, for
 * the test) and see both on Postroom's data page without a reload, within a second.
 *
 * <p>The same pages against events published by the test itself: LivePagesBrowserTest.
 */
@QuarkusTest
class MailboxPagesBrowserTest extends SyncEngineRunning {

    private static final Duration FIRST_SYNC = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(15);

    @TestHTTPResource("/")
    URI base;

    @Inject
    OutlookSimulator simulator;

    @Test
    void linkWatchTheFirstSyncThenSeeOutlookChangesLive() {
        String address = TestUsers.uniqueEmail("outlook-browser");
        simulator.createMailbox(address, "Browser Tester", false);
        simulator.generateMessages(address, 150, 7);
        try (Browser browser = Browser.open(base)) {
            BrowserFlows.signUp(browser, "browser-sync");

            // Add account: Connect Outlook, the simulator's sign-in page, back to the mailboxes.
            browser.go("/mailboxes");
            browser.click("#connect-outlook");
            browser.click("input[data-mailbox='" + address + "']");
            browser.screenshot("sync-1-outlook-sign-in");
            browser.click("#consent");
            assertEquals(address, browser.find("#linked-address").getText());
            browser.screenshot("sync-2-linked");
            browser.waitUntil(FIRST_SYNC, d -> "100 %".equals(browser.find("#linked [data-field=percent]").getText()));
            browser.screenshot("sync-3-first-sync-done");

            // The data page: mail listed newest first.
            browser.click("#open-linked");
            browser.waitUntil(LIVE, d -> !browser.all("#message-rows tr").isEmpty());
            browser.find("#live-status.live");
            String dataPage = browser.driver().getWindowHandle();
            String inbox = simulator.folderId(address, "inbox");
            String archive = simulator.folderId(address, "archive");
            List<WebElement> unreadInInbox = browser.all("#message-rows tr[data-folder-id='" + inbox + "'][data-read='false']");
            assertTrue(unreadInInbox.size() >= 2, "the generated mailbox has unread mail in its Inbox on the first page");
            String toRead = unreadInInbox.get(0).getAttribute("data-message-id");
            String toMove = unreadInInbox.get(1).getAttribute("data-message-id");
            browser.script("window.postroomTimings.length = 0");

            // "Outlook": the simulator's mailbox page, in another tab.
            browser.driver().switchTo().newWindow(WindowType.TAB);
            browser.go("/simulator/mailboxes/" + URLEncoder.encode(address, StandardCharsets.UTF_8).replace("+", "%20") + "?limit=1000");
            browser.find("#message-" + toRead + " button[data-action=read]").click();
            // The click posts a form and the page comes back: pick the destination on the new page, not the old one.
            browser.waitUntil(LIVE, d -> {
                try {
                    WebElement moveRow = browser.find("#message-" + toMove);
                    new Select(moveRow.findElement(By.cssSelector("select[name=destination]"))).selectByValue(archive);
                    return true;
                } catch (org.openqa.selenium.StaleElementReferenceException replaced) {
                    return false;
                }
            });
            browser.find("#message-" + toMove + " button[data-action=move]").click();
            browser.screenshot("sync-4-outlook-changes");

            // Back on Postroom's page, without a reload.
            browser.driver().switchTo().window(dataPage);
            browser.waitUntil(LIVE, d -> !browser.all("tr[data-message-id='" + toRead + "'][data-read='true']").isEmpty());
            browser.waitUntil(LIVE, d -> !browser.all("tr[data-message-id='" + toMove + "'][data-folder-id='" + archive + "']").isEmpty());
            assertTrue(browser.all("#activity li").size() >= 2, "the activity feed lists both changes");
            browser.screenshot("sync-5-changes-on-the-data-page");

            BrowserFlows.Delays delays = BrowserFlows.Delays.of("sync engine -> data page, 'message' events",
                    browser.timings(), "message");
            String report = delays.report();
            assertTrue(BrowserFlows.Delays.p95(delays.sinceRedis()) < 1000, report);
        }
    }
}
