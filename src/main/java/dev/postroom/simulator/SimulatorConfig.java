package dev.postroom.simulator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Settings of the built-in Outlook simulator ({@code postroom.simulator.*}). The defaults are those of Microsoft
 * Graph and the Microsoft identity platform; tests make some of them small at run time through
 * {@link OutlookSimulator} instead of changing them for the whole test profile.
 */
@ConfigMapping(prefix = "postroom.simulator")
public interface SimulatorConfig {

    /** Serve the simulator. A run-time switch: when false every {@code /simulator} path answers 404. */
    @WithDefault("false")
    boolean enabled();

    /**
     * Behave like an app registered for one tenant only: a personal account signing in through the {@code common}
     * authority is refused with AADSTS50020.
     */
    @WithDefault("false")
    boolean singleTenant();

    /** Lifetime of access tokens ({@code expires_in}); Microsoft's are 60 to 90 minutes. */
    @WithDefault("PT1H")
    Duration accessTokenLifetime();

    /** Lifetime of refresh tokens; Microsoft's are 90 days. */
    @WithDefault("P90D")
    Duration refreshTokenLifetime();

    /** Lifetime of authorization codes; Microsoft's are about 10 minutes. */
    @WithDefault("PT10M")
    Duration authorizationCodeLifetime();

    /** Seed of the fault-injection dice, so that a run with the same requests sees the same faults. */
    @WithDefault("20261121")
    long seed();

    Delta delta();

    Throttle throttle();

    Subscriptions subscriptions();

    interface Delta {
        /** Page size of a delta round when the client sends no {@code Prefer: odata.maxpagesize} (observed: 10). */
        @WithDefault("10")
        int defaultPageSize();

        /** Largest page size honoured; larger requests are cut to this. */
        @WithDefault("1000")
        int maxPageSize();

        /**
         * How many of a round's latest nextLinks stay valid (observed: about 3); older ones answer 410. 0 keeps
         * them all.
         */
        @WithDefault("3")
        int keptPageGenerations();

        /** A round that nobody pages for this long is forgotten: its nextLinks answer 410. */
        @WithDefault("PT1H")
        Duration roundIdleTimeout();
    }

    interface Throttle {
        /** Requests per mailbox and window (Graph: 10,000 per 10 minutes, per app and mailbox). */
        @WithDefault("10000")
        int requestsPerWindow();

        @WithDefault("PT10M")
        Duration window();

        /** Requests of one mailbox in flight at once (Graph: 4); more answer 429 ApplicationThrottled. */
        @WithDefault("4")
        int maxConcurrent();

        /**
         * For the statistic "requests during a Retry-After": requests arriving this soon after a refusal was sent are
         * not counted, because a client with several requests in flight may have sent them before the refusal reached
         * it. Counting them would blame the client for the network, not for ignoring Retry-After.
         */
        @WithDefault("PT0.1S")
        Duration retryAfterGrace();
    }

    interface Subscriptions {
        /** Longest subscription lifetime for messages (Graph: 4,230 minutes). */
        @WithDefault("PT70H30M")
        Duration maxLifetime();

        /** Time the notification endpoint has to echo the validation token (Graph: 10 s). */
        @WithDefault("PT10S")
        Duration validationTimeout();

        /** Time the notification endpoint has to answer a notification (Graph: 3 s). */
        @WithDefault("PT3S")
        Duration deliveryTimeout();

        /** Changes gathered into one notification POST at most. */
        @WithDefault("100")
        int maxBatch();

        /** How long changes are gathered before a notification POST goes out. */
        @WithDefault("PT0.05S")
        Duration batchDelay();

        /**
         * Changes waiting for one subscription beyond which the simulator gives up on them and sends a
         * {@code missed} lifecycle event instead, like Graph under bulk changes.
         */
        @WithDefault("5000")
        int maxPending();
    }
}
