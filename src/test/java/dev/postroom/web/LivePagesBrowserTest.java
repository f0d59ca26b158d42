package dev.postroom.web;

import dev.postroom.events.EventPublisher;
import dev.postroom.events.Topics;
import dev.postroom.testing.Browser;
import dev.postroom.testing.QuietMailboxes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mailbox pages in headless Chromium, driven by events exactly as docs/events.md describes them, published here
 * instead of by the sync engine: rows appear, change, move out of a folder view and disappear; folders, sync
 * progress, Outlook's waits and a revoked sign-in show. (The same pages with the real sync engine and the
 * simulator's mailbox page: MailboxPagesBrowserTest.)
 */
@QuarkusTest
class LivePagesBrowserTest {

    private static final Duration LIVE = Duration.ofSeconds(10);
    private static final String INBOX = "folder-inbox";
    private static final String ARCHIVE = "folder-archive";

    @TestHTTPResource("/")
    URI base;

    @Inject
    EventPublisher publisher;

    @Inject
    Pool pool;

    @Test
    void theDataPageFollowsTheMailboxLive() {
        try (Browser browser = Browser.open(base)) {
            UUID mailbox = followNewMailbox(browser, "browser-live", "/mailboxes/");

            publish(mailbox, folder(INBOX, "Inbox", 3, 2));
            publish(mailbox, folder(ARCHIVE, "Archive", 0, 0));
            browser.find("#folders li[data-folder-id='" + ARCHIVE + "']");
            publish(mailbox, sync("initial", 1, 2, 50, 100, null, null));
            browser.waitUntil(LIVE, d -> "50 %".equals(text(browser, "[data-sync-panel] [data-field=percent]")));

            Instant now = Instant.now();
            publish(mailbox, created("m-old", INBOX, "Older news", now.minusSeconds(60), false));
            publish(mailbox, created("m-new", INBOX, "Newest news", now, false));
            publish(mailbox, created("m-gone", INBOX, "Soon deleted", now.minusSeconds(30), true));
            browser.waitUntil(LIVE, d -> browser.all("#message-rows tr").size() == 3);
            assertEquals("m-new", browser.all("#message-rows tr").getFirst().getAttribute("data-message-id"), "newest first");

            publish(mailbox, updated("m-old", INBOX, "Older news", now.minusSeconds(60), true, "flagged", "isRead", "flagStatus"));
            publish(mailbox, moved("m-new", INBOX, ARCHIVE, "Newest news", now));
            publish(mailbox, new JsonObject().put("type", "message").put("change", "deleted").put("messageId", "m-gone")
                    .put("folderId", INBOX));
            browser.waitUntil(LIVE, d -> browser.all("tr[data-message-id='m-old'][data-read='true'][data-flag='flagged']").size() == 1);
            browser.waitUntil(LIVE, d -> "Archive".equals(text(browser, "tr[data-message-id='m-new'] [data-field=folderName]")));
            browser.waitUntil(LIVE, d -> browser.all("tr[data-message-id='m-gone']").isEmpty());
            publish(mailbox, sync("incremental", 2, 2, 100, 100, null, null));
            browser.waitUntil(LIVE, d -> "100 %".equals(text(browser, "[data-sync-panel] [data-field=percent]")));
            assertTrue(browser.all("#activity li").size() >= 3, "the activity feed lists the changes");
            browser.screenshot("mailbox-live-changes");

            // In the Inbox view, a message moved to the Archive leaves the list.
            browser.click("#folders li[data-folder-id='" + INBOX + "'] a");
            browser.waitUntil(LIVE, d -> INBOX.equals(browser.script("return document.getElementById('messages').dataset.folderFilter")));
            publish(mailbox, created("m-inbox", INBOX, "Stays a moment", Instant.now(), false));
            browser.find("tr[data-message-id='m-inbox']");
            publish(mailbox, moved("m-inbox", INBOX, ARCHIVE, "Stays a moment", Instant.now()));
            browser.waitUntil(LIVE, d -> browser.all("tr[data-message-id='m-inbox']").isEmpty());

            // Outlook asks to wait, then the sign-in is revoked: the page says what to do.
            Instant asked = Instant.now();
            publish(mailbox, sync("waiting", 2, 2, 100, 100, asked.plusSeconds(30), null));
            WebElement wait = browser.waitUntil(LIVE, d -> browser.all("[data-field=wait]").stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
            String waitText = wait.getText();
            long elapsed = Duration.between(asked, Instant.now()).toSeconds();
            Matcher shown = Pattern.compile("Outlook asked us to wait (\\d+) s.*").matcher(waitText);
            assertTrue(shown.matches(), waitText);
            long seconds = Long.parseLong(shown.group(1));
            // The countdown runs while the page is read: it shows what is left of the 30 s, give or take a second.
            assertTrue(seconds <= 30 && seconds >= 29 - elapsed, waitText + " after " + elapsed + " s");
            publish(mailbox, sync("needs_relink", 2, 2, 100, 100, null, "Microsoft no longer accepts the sign-in (invalid_grant)"));
            WebElement relink = browser.waitUntil(LIVE, d -> browser.all("[data-sync-panel] button.relink").stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
            assertEquals("Link again", relink.getText());
            browser.screenshot("mailbox-needs-relink");
        }
    }

    @Test
    void aChangeReachesAPageOf100RowsWithinASecond() {
        try (Browser browser = Browser.open(base)) {
            UUID mailbox = followNewMailbox(browser, "browser-perf", "/mailboxes/");
            Instant start = Instant.now().minusSeconds(1000);
            for (int i = 0; i < 100; i++) {
                publish(mailbox, created("p-" + i, INBOX, "Message " + i, start.plusSeconds(i), false));
            }
            browser.waitUntil(LIVE, d -> browser.all("#message-rows tr").size() == 100);
            browser.script("window.postroomTimings.length = 0");

            for (int i = 0; i < 40; i++) {
                publish(mailbox, updated("p-" + (i * 2), INBOX, "Message " + (i * 2), start.plusSeconds(i * 2), true, "notFlagged", "isRead"));
                sleep(25); // a person's pace rather than a burst: each change on its own
            }
            browser.waitUntil(LIVE, d -> browser.all("#message-rows tr[data-read='true']").size() == 40);
            BrowserFlows.Delays delays = BrowserFlows.Delays.of("data page with 100 rows, 'message' updates",
                    browser.timings(), "message");
            String report = delays.report();
            assertEquals(40, delays.sinceRedis().size());
            assertTrue(BrowserFlows.Delays.p95(delays.sinceRedis()) < 1000, report);
        }
    }

    @Test
    void theMailboxListShowsTheFirstSyncOfTheMailboxJustLinked() {
        try (Browser browser = Browser.open(base)) {
            UUID mailbox = followNewMailbox(browser, "browser-linked", "/mailboxes?linked=");
            assertEquals(address(mailbox), browser.find("#linked-address").getText());
            browser.waitUntil(LIVE, d -> {
                publish(mailbox, sync("initial", 3, 8, 120, 300, null, null)); // until the page follows
                return "40 %".equals(text(browser, "#linked [data-field=percent]"));
            });
            assertEquals("3 of 8", text(browser, "#linked [data-field=folders]"));
            browser.screenshot("mailboxes-linked-progress");
        }
    }

    /** Signs up, gives the user a quiet mailbox and opens {@code pagePrefix + id}; on the data page, waits until it follows. */
    private UUID followNewMailbox(Browser browser, String prefix, String pagePrefix) {
        String address = BrowserFlows.signUp(browser, prefix);
        UUID mailbox = QuietMailboxes.insert(pool, BrowserFlows.userId(browser), address);
        browser.go(pagePrefix + mailbox);
        if (pagePrefix.equals("/mailboxes/")) {
            browser.find("#live-status.live");
        }
        return mailbox;
    }

    private String address(UUID mailbox) {
        return pool.preparedQuery("SELECT address FROM linked_mailbox WHERE id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(mailbox))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("address");
    }

    private void publish(UUID mailbox, JsonObject event) {
        publisher.publish(Topics.mailbox(mailbox), event).await().atMost(Duration.ofSeconds(5));
    }

    private static String text(Browser browser, String css) {
        return browser.all(css).stream().findFirst().map(WebElement::getText).orElse(null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonObject sync(String phase, int foldersDone, int foldersTotal, long indexed, long estimated,
            Instant waitUntil, String error) {
        return new JsonObject().put("type", "sync").put("phase", phase).put("foldersDone", foldersDone)
                .put("foldersTotal", foldersTotal).put("messagesIndexed", indexed).put("messagesEstimated", estimated)
                .put("waitUntil", waitUntil == null ? null : waitUntil.toString()).put("error", error);
    }

    private static JsonObject folder(String id, String name, int total, int unread) {
        return new JsonObject().put("type", "folder").put("change", "upserted").put("folderId", id)
                .put("folder", new JsonObject().put("folderId", id).put("name", name).put("totalCount", total)
                        .put("unreadCount", unread));
    }

    /** A message document with the field names of MessageDoc. */
    private static JsonObject message(String id, String folderId, String subject, Instant received, boolean read, String flag) {
        return new JsonObject().put("messageId", id).put("folderId", folderId).put("subject", subject)
                .put("fromName", "Ada Sender").put("fromAddress", "ada@example.org").put("receivedAt", received.toString())
                .put("isRead", read).put("flagStatus", flag);
    }

    private static JsonObject created(String id, String folderId, String subject, Instant received, boolean read) {
        return new JsonObject().put("type", "message").put("change", "created").put("messageId", id).put("folderId", folderId)
                .put("message", message(id, folderId, subject, received, read, "notFlagged"));
    }

    private static JsonObject updated(String id, String folderId, String subject, Instant received, boolean read,
            String flag, String... changed) {
        return new JsonObject().put("type", "message").put("change", "updated").put("messageId", id).put("folderId", folderId)
                .put("changed", new JsonArray(java.util.List.of((Object[]) changed)))
                .put("message", message(id, folderId, subject, received, read, flag));
    }

    private static JsonObject moved(String id, String from, String to, String subject, Instant received) {
        return new JsonObject().put("type", "message").put("change", "moved").put("messageId", id).put("folderId", to)
                .put("fromFolderId", from).put("message", message(id, to, subject, received, true, "flagged"));
    }
}
