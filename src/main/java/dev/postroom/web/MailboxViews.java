package dev.postroom.web;

import dev.postroom.account.LinkedMailbox;
import dev.postroom.account.LinkedMailboxes;
import dev.postroom.events.EventFeed;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.search.MessagePage;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.SearchConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What the mailbox pages show, read from the mirror (Elasticsearch) for a mailbox of the viewer's. Each view also
 * carries where its live events start: a refresh interval (plus a second for the clocks) before the view was read.
 * A search shows writes only after the index refreshed, and the sync engine announces a change as soon as it is
 * written, so the page replays what it may not show yet. A change seen twice is applied twice, which is harmless:
 * events carry the whole message, in order.
 */
@ApplicationScoped
public class MailboxViews {

    static final int PAGE_SIZE = 100;
    /** The last page the search can reach (its result window). */
    static final int LAST_PAGE = MirrorQueries.MAX_WINDOW / PAGE_SIZE;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final Logger LOG = Logger.getLogger(MailboxViews.class);

    private final LinkedMailboxes mailboxes;
    private final MirrorQueries mirror;
    private final EventFeed feed;
    private final Duration replayed;

    public MailboxViews(LinkedMailboxes mailboxes, MirrorQueries mirror, EventFeed feed, SearchConfig search) {
        this.mailboxes = mailboxes;
        this.mirror = mirror;
        this.feed = feed;
        this.replayed = search.refreshInterval().plusSeconds(1);
    }

    /** One message as a row of the list; {@link #TEMPLATE} is the empty row the page's script fills for new mail. */
    public record MessageRow(String messageId, String folderId, String folderName, String subject, String fromName,
            String fromAddress, String receivedAt, String receivedText, boolean read, String flagStatus) {

        static final MessageRow TEMPLATE = new MessageRow("", "", "", "", "", "", "", "", true, "notFlagged");

        static MessageRow of(MessageDoc m) {
            return new MessageRow(m.messageId(), m.folderId(), m.folderName(),
                    m.subject() == null || m.subject().isBlank() ? "(no subject)" : m.subject(), m.fromName(),
                    m.fromAddress(), m.receivedAt() == null ? "" : m.receivedAt().toString(), time(m.receivedAt()),
                    m.isRead(), m.flagStatus() == null ? "notFlagged" : m.flagStatus());
        }
    }

    public record FolderRow(String folderId, String name, int total, int unread, boolean selected) {
        static final FolderRow TEMPLATE = new FolderRow("", "", 0, 0, false);

        /** The id as a query parameter's value (provider ids may hold '+', '/' or '='). */
        public String queryValue() {
            return URLEncoder.encode(folderId, StandardCharsets.UTF_8);
        }
    }

    /** The sync state as the page shows it; {@code percent} of the estimated messages indexed, 100 only once done. */
    public record SyncView(String phase, int foldersDone, int foldersTotal, long messagesIndexed, long messagesEstimated,
            String error, int percent) {

        static SyncView of(Optional<SyncStateDoc> state) {
            if (state.isEmpty()) {
                return new SyncView("pending", 0, 0, 0, 0, null, 0);
            }
            SyncStateDoc s = state.get();
            // 100 % means the first copy is complete and searchable; the estimate (folder counts) can be reached
            // before that, while the last folder finishes.
            boolean done = "incremental".equals(s.phase());
            int percent = done ? 100 : s.messagesEstimated() > 0
                    ? (int) Math.min(99, s.messagesIndexed() * 100 / s.messagesEstimated()) : 0;
            return new SyncView(s.phase(), s.foldersDone(), s.foldersTotal(), s.messagesIndexed(), s.messagesEstimated(),
                    s.error(), percent);
        }
    }

    /** What the list shows: a folder (null: all), words to search (null: none), a page (from 1). */
    public record Filter(String folderId, String text, int page) {
        public Filter {
            folderId = folderId == null || folderId.isBlank() ? null : folderId;
            text = text == null || text.isBlank() ? null : text.strip();
            page = Math.max(1, page);
        }

        /** The query string of this filter on another page. */
        String query(int otherPage) {
            StringBuilder query = new StringBuilder("?page=").append(otherPage);
            if (folderId != null) {
                query.append("&folder=").append(URLEncoder.encode(folderId, StandardCharsets.UTF_8));
            }
            if (text != null) {
                query.append("&q=").append(URLEncoder.encode(text, StandardCharsets.UTF_8));
            }
            return query.toString();
        }
    }

    /** One page of the list. {@code problem}: why it is empty when the mirror could not be read. */
    public record MessageList(UUID mailboxId, List<MessageRow> rows, long total, Filter filter, String problem) {

        public int pages() {
            return (int) Math.max(1, (total + PAGE_SIZE - 1) / PAGE_SIZE);
        }

        public boolean hasPrevious() {
            return filter.page() > 1;
        }

        public boolean hasNext() {
            return filter.page() < Math.min(pages(), LAST_PAGE);
        }

        /** The whole page at another page number (for the address bar and without JavaScript). */
        public String pageHref(int page) {
            return "/mailboxes/" + mailboxId + filter.query(page);
        }

        /** Only the list, at another page number (what htmx swaps in). */
        public String listHref(int page) {
            return "/mailboxes/" + mailboxId + "/messages" + filter.query(page);
        }
    }

    /**
     * The data page; the templates are the empty rows the page's script fills for new mail and new folders. Lists
     * the page fetches later lag behind its events as this one does: it applies the last {@code replayMillis} of
     * them again.
     */
    public record MailboxView(LinkedMailbox mailbox, SyncView sync, List<FolderRow> folders, MessageList messages,
            String lastEventId, long replayMillis, MessageRow rowTemplate, FolderRow folderTemplate) {

        /** The page's own address, which folder links add {@code ?folder=} to. */
        public String folderBase() {
            return "/mailboxes/" + mailbox.id();
        }
    }

    /** A mailbox on the list of mailboxes, with its sync state and where its live events start. */
    public record MailboxSummary(LinkedMailbox mailbox, SyncView sync, String lastEventId) {
    }

    /** The data page of the viewer's mailbox; empty when it is not theirs. */
    public Uni<Optional<MailboxView>> mailbox(UUID userId, UUID mailboxId, Filter filter) {
        return mailboxes.find(userId, mailboxId).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(Optional.<MailboxView>empty());
            }
            return feed.idAgo(replayed).chain(lastEventId -> Uni.combine().all()
                    .unis(sync(mailboxId), folders(mailboxId, filter.folderId()), list(mailboxId, filter))
                    .with((sync, folders, list) -> Optional.of(new MailboxView(found.get(), sync, folders, list,
                            lastEventId, replayed.toMillis(), MessageRow.TEMPLATE, FolderRow.TEMPLATE))));
        });
    }

    /** Only the list of the viewer's mailbox (search, folder, page); empty when it is not theirs. */
    public Uni<Optional<MessageList>> messages(UUID userId, UUID mailboxId, Filter filter) {
        return mailboxes.find(userId, mailboxId).chain(found -> found.isEmpty()
                ? Uni.createFrom().item(Optional.<MessageList>empty())
                : list(mailboxId, filter).map(Optional::of));
    }

    /** The viewer's mailboxes with their sync states. */
    public Uni<List<MailboxSummary>> summaries(UUID userId) {
        return mailboxes.list(userId).chain(all -> all.isEmpty() ? Uni.createFrom().item(List.<MailboxSummary>of())
                : feed.idAgo(replayed).chain(lastEventId -> Uni.join().all(all.stream()
                        .map(mailbox -> sync(mailbox.id()).map(sync -> new MailboxSummary(mailbox, sync, lastEventId)))
                        .toList()).andFailFast()));
    }

    private Uni<SyncView> sync(UUID mailboxId) {
        return mirror.syncState(mailboxId).map(SyncView::of)
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("sync state of %s unavailable: %s", mailboxId, failure.toString());
                    return SyncView.of(Optional.empty());
                });
    }

    private Uni<List<FolderRow>> folders(UUID mailboxId, String selected) {
        return mirror.folders(mailboxId)
                .map(folders -> folders.stream().map((FolderDoc f) -> new FolderRow(f.folderId(),
                        f.name() == null ? f.folderId() : f.name(), f.totalCount(), f.unreadCount(),
                        f.folderId().equals(selected))).toList())
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("folders of %s unavailable: %s", mailboxId, failure.toString());
                    return List.of();
                });
    }

    private Uni<MessageList> list(UUID mailboxId, Filter asked) {
        // Past the search's window, show (and label) its last page.
        Filter filter = asked.page() <= LAST_PAGE ? asked : new Filter(asked.folderId(), asked.text(), LAST_PAGE);
        return mirror.searchMessages(mailboxId, filter.folderId(), filter.text(), false, filter.page() - 1, PAGE_SIZE)
                .map((MessagePage found) -> new MessageList(mailboxId, found.messages().stream().map(MessageRow::of).toList(),
                        found.total(), filter, null))
                .onFailure().recoverWithItem(failure -> {
                    LOG.infof("messages of %s unavailable: %s", mailboxId, failure.toString());
                    return new MessageList(mailboxId, List.of(), 0, filter,
                            "The mail can't be listed right now (the search index is unavailable); try again shortly.");
                });
    }

    static String time(Instant instant) {
        return instant == null ? "" : TIME.format(instant);
    }
}
