package dev.postroom.outbound;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of queued delivery ({@code postroom.outbound.*}); every default is what a small installation needs. */
@ConfigMapping(prefix = "postroom.outbound")
public interface OutboundConfig {

    Limits limits();

    RateLimit rateLimit();

    Delivery delivery();

    /** The time zone in which "today" of the delivery log's summary begins and ends. */
    @WithDefault("UTC")
    ZoneId summaryTimeZone();

    /**
     * How often the log's counts (DeliveryCounts) are compacted: each write appends a delta row, a fold sums a
     * quarter hour's rows into one. Reads are exact either way; folding keeps them one row per quarter hour.
     */
    @WithDefault("PT10S")
    Duration countFoldInterval();

    /**
     * The senders a {@code from} may name: addresses ({@code news@example.com}) and whole domains
     * ({@code @example.com}), compared without regard to case. Unset: any sender, as the relay allows. Set it when
     * the relay would send as anyone, so that an API key can't send as someone else.
     */
    Optional<List<String>> allowedSenders();

    interface Limits {
        /** Recipients of one email, to, cc and bcc together. */
        @WithDefault("50")
        int maxRecipients();

        /** Characters of the subject. */
        @WithDefault("998")
        int maxSubjectLength();

        /** Bytes of text and HTML body together (UTF-8). */
        @WithDefault("5000000")
        int maxBodyBytes();
    }

    interface RateLimit {
        /** Emails one API key may submit per window; shared by all instances through Redis. 0 turns it off. */
        @WithDefault("600")
        int perWindow();

        @WithDefault("PT1M")
        Duration window();

        /** Limits for single service keys by name, e.g. {@code postroom.outbound.rate-limit.per-key.newsletter=6000}. */
        Map<String, Integer> perKey();
    }

    interface Delivery {
        /** Emails one instance delivers at the same time (also the number of queue consumers). */
        @WithDefault("32")
        int concurrency();

        /** Attempts per email before a transient failure becomes final. */
        @WithDefault("5")
        int maxAttempts();

        /** Wait before the first retry; doubled per attempt, with jitter, up to {@link #maxBackoff()}. */
        @WithDefault("PT5S")
        Duration initialBackoff();

        @WithDefault("PT10M")
        Duration maxBackoff();

        /**
         * How long a sender holds a job. A job still 'sending' after this is taken back: its sender died. Also the
         * visibility timeout of the Redis queue.
         */
        @WithDefault("PT2M")
        Duration sendLease();

        /** A queued job not picked up within this time is re-queued from PostgreSQL (Redis lost it). */
        @WithDefault("PT30S")
        Duration requeueAfter();

        /** How often the sweeper looks for due retries and lost jobs. */
        @WithDefault("PT2S")
        Duration sweepInterval();

        /** Time allowed for one SMTP transaction. */
        @WithDefault("PT60S")
        Duration smtpTimeout();
    }
}
