package dev.postroom.simulator;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Graph's throttling per mailbox, with fault injection and statistics. {@link #admit} is called when a request
 * arrives and {@link #release} when its answer is done; in between the request counts as in flight.
 */
@ApplicationScoped
class Throttle {

    /** The verdict for one request: admitted (with the latency to add), or an error answer to send instead. */
    record Decision(boolean admitted, Duration latency, GraphException refusal) {
        static Decision admit(Duration latency) {
            return new Decision(true, latency, null);
        }

        static Decision refuse(GraphException refusal) {
            return new Decision(false, Duration.ZERO, refusal);
        }
    }

    /** One mailbox's counters; every access holds its lock. */
    private static final class State {
        final SplittableRandom dice;
        Limits limits;
        Faults faults;
        long windowStart;
        int windowCount;
        int inFlight;
        long retryAfterUntil;
        /** When requests start to count as arriving during the Retry-After (its start plus the grace). */
        long retryAfterCountsFrom;
        long requests;
        long admitted;
        int maxConcurrent;
        long throttled;
        long concurrencyThrottled;
        long unavailable;
        long duringRetryAfter;

        State(long seed) {
            dice = new SplittableRandom(seed);
            retryAfterUntil = System.nanoTime();
        }
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final SimulatorConfig config;
    private volatile Faults globalFaults = Faults.none();

    Throttle(SimulatorConfig config) {
        this.config = config;
    }

    Decision admit(String mailboxId) {
        State state = state(mailboxId);
        long now = System.nanoTime();
        synchronized (state) {
            state.requests++;
            if (now - state.retryAfterUntil < 0 && now - state.retryAfterCountsFrom >= 0) {
                state.duringRetryAfter++;
            }
            Faults faults = state.faults != null ? state.faults : globalFaults;
            Limits limits = state.limits != null ? state.limits : defaultLimits();
            state.maxConcurrent = Math.max(state.maxConcurrent, state.inFlight + 1);
            if (faults.unavailableRate() > 0 && state.dice.nextDouble() < faults.unavailableRate()) {
                state.unavailable++;
                Duration retryAfter = faults.unavailableRetryAfter();
                if (retryAfter != null) {
                    announce(state, now, retryAfter);
                }
                return Decision.refuse(new GraphException(503, "ServiceUnavailable",
                        "The service is temporarily unavailable (injected by the simulator).",
                        retryAfter == null ? Map.of() : Map.of("Retry-After", seconds(retryAfter))));
            }
            if (faults.throttleRate() > 0 && state.dice.nextDouble() < faults.throttleRate()) {
                return tooMany(state, now, faults.throttleRetryAfter());
            }
            if (state.inFlight >= limits.maxConcurrent()) {
                state.concurrencyThrottled++;
                Duration retryAfter = Duration.ofSeconds(1);
                announce(state, now, retryAfter);
                return Decision.refuse(new GraphException(429, "ApplicationThrottled",
                        "Application is over its MailboxConcurrency limit.", Map.of("Retry-After", seconds(retryAfter))));
            }
            long window = limits.window().toNanos();
            if (now - state.windowStart >= window || state.windowCount == 0) {
                state.windowStart = now;
                state.windowCount = 0;
            }
            if (state.windowCount >= limits.requestsPerWindow()) {
                return tooMany(state, now, Duration.ofNanos(state.windowStart + window - now));
            }
            state.windowCount++;
            state.inFlight++;
            state.admitted++;
            return Decision.admit(faults.latency());
        }
    }

    void release(String mailboxId) {
        State state = state(mailboxId);
        synchronized (state) {
            state.inFlight--;
        }
    }

    void setLimits(String mailboxId, Limits limits) {
        State state = state(mailboxId);
        synchronized (state) {
            state.limits = limits;
            state.windowCount = 0;
        }
    }

    /** Faults for one mailbox; null makes it follow the global faults again. */
    void setFaults(String mailboxId, Faults faults) {
        State state = state(mailboxId);
        synchronized (state) {
            state.faults = faults;
        }
    }

    void setGlobalFaults(Faults faults) {
        globalFaults = faults == null ? Faults.none() : faults;
    }

    Faults faults(String mailboxId) {
        State state = state(mailboxId);
        synchronized (state) {
            return state.faults != null ? state.faults : globalFaults;
        }
    }

    Faults globalFaults() {
        return globalFaults;
    }

    Limits limits(String mailboxId) {
        State state = state(mailboxId);
        synchronized (state) {
            return state.limits != null ? state.limits : defaultLimits();
        }
    }

    ThrottleStats stats(String mailboxId) {
        State state = state(mailboxId);
        synchronized (state) {
            return new ThrottleStats(state.requests, state.admitted, state.maxConcurrent, state.throttled,
                    state.concurrencyThrottled, state.unavailable, state.duringRetryAfter);
        }
    }

    /** Zeroes the statistics, the request window and any running Retry-After (not the requests in flight). */
    void resetStats(String mailboxId) {
        State state = state(mailboxId);
        synchronized (state) {
            state.requests = 0;
            state.admitted = 0;
            state.maxConcurrent = 0;
            state.throttled = 0;
            state.concurrencyThrottled = 0;
            state.unavailable = 0;
            state.duringRetryAfter = 0;
            state.windowCount = 0;
            state.retryAfterUntil = System.nanoTime();
        }
    }

    private Decision tooMany(State state, long now, Duration retryAfter) {
        state.throttled++;
        announce(state, now, retryAfter);
        return Decision.refuse(new GraphException(429, "TooManyRequests",
                "Application is over its MailboxRequests limit. Please retry later.", Map.of("Retry-After", seconds(retryAfter))));
    }

    private void announce(State state, long now, Duration retryAfter) {
        long until = now + retryAfter.toNanos();
        if (until - state.retryAfterUntil > 0) {
            if (now - state.retryAfterUntil >= 0) {
                // A new wait (not an extension of one running): requests already on their way are not counted.
                state.retryAfterCountsFrom = now + config.throttle().retryAfterGrace().toNanos();
            }
            state.retryAfterUntil = until;
        }
    }

    /** Whole seconds as an integer ({@code 10}), else with milliseconds ({@code 2.128}), as Graph sometimes does. */
    static String seconds(Duration duration) {
        long millis = Math.max(1, duration.toMillis());
        return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }

    private Limits defaultLimits() {
        return new Limits(config.throttle().requestsPerWindow(), config.throttle().window(), config.throttle().maxConcurrent());
    }

    private State state(String mailboxId) {
        return states.computeIfAbsent(mailboxId, id -> new State(config.seed() ^ id.hashCode()));
    }
}
