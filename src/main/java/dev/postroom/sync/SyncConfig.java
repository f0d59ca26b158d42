package dev.postroom.sync;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Settings of the mailbox sync engine ({@code postroom.sync.*}); the defaults follow Microsoft Graph's limits. */
@ConfigMapping(prefix = "postroom.sync")
public interface SyncConfig {

    /** Whether this instance syncs mailboxes at all (an instance may serve only the API and pages). */
    @WithDefault("true")
    boolean enabled();

    /** Messages asked for per delta page ({@code Prefer: odata.maxpagesize}); Graph serves up to 1,000. */
    @WithDefault("1000")
    int pageSize();

    /** Folders of one mailbox read at once; their requests share the mailbox's limit below. */
    @WithDefault("3")
    int foldersInParallel();

    /**
     * Folders read from scratch at once on this instance, all mailboxes together (first copies and re-reads after a
     * lost delta link): each holds up to two pages of messages, so this bounds memory when many mailboxes are linked
     * at once. Incremental rounds are not limited by it.
     */
    @WithDefault("16")
    int fullRoundsInParallel();

    /**
     * Provider requests in flight at once on this instance, all mailboxes together (bounds connections). Taken only
     * once a mailbox's own limits let a request go: a mailbox that waits for a Retry-After holds none.
     */
    @WithDefault("64")
    int requestsInParallel();

    /** Mailboxes one instance syncs at most; the rest are left to other instances. */
    @WithDefault("5000")
    int maxMailboxes();

    Limits limits();

    Poll poll();

    Lease lease();

    Notifications notifications();

    /** What the provider allows per mailbox (Graph: 4 concurrent requests, 10,000 per 10 minutes). */
    interface Limits {
        /** Requests of one mailbox in flight at once. */
        @WithDefault("4")
        int concurrentRequests();

        /** Requests of one mailbox within any {@link #window()}: a sliding window, so no fixed window exceeds it. */
        @WithDefault("10000")
        int requestsPerWindow();

        @WithDefault("PT10M")
        Duration window();

        /** First wait after a failure without Retry-After; doubles per failure in a row, with jitter. */
        @WithDefault("PT1S")
        Duration backoffMin();

        @WithDefault("PT5M")
        Duration backoffMax();

        /** Attempts of one request before its round gives up (and is tried again at the next due time). */
        @WithDefault("8")
        int attempts();
    }

    /**
     * How often a folder's delta runs when nothing triggers it sooner: right after a round that found changes
     * {@link #min()}, then twice as long after each quiet round up to {@link #max()} ({@link #inboxMax()} for the inbox,
     * where new mail arrives). Notifications, "sync now" and linking start a round at once.
     */
    interface Poll {
        @WithDefault("PT5S")
        Duration min();

        @WithDefault("PT1M")
        Duration inboxMax();

        @WithDefault("PT5M")
        Duration max();

        /** How often the folder tree's delta runs (new, renamed and deleted folders). */
        @WithDefault("PT2M")
        Duration folders();
    }

    /** Leases: each mailbox is synced by one instance at a time; a dead instance's mailboxes move within {@link #ttl()}. */
    interface Lease {
        @WithDefault("PT30S")
        Duration ttl();

        /** How often leases are renewed and free mailboxes looked for. */
        @WithDefault("PT5S")
        Duration scan();
    }

    /** Change notifications (webhooks): only with a public URL Microsoft can reach. */
    interface Notifications {
        /** Subscribe when {@code postroom.public-url} is reachable from the provider (https for Microsoft). */
        @WithDefault("false")
        boolean enabled();

        /** How long a subscription is asked for (Graph allows up to 4,230 minutes for messages). */
        @WithDefault("PT70H")
        Duration lifetime();

        /** Renewed when it expires within this. */
        @WithDefault("PT12H")
        Duration renewBefore();

        /** With notifications on, folders are polled this rarely as a safety net (notifications are lossy). */
        @WithDefault("PT15M")
        Duration pollMax();
    }
}
