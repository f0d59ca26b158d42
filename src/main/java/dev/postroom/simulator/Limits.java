package dev.postroom.simulator;

import java.time.Duration;

/**
 * Graph's throttling limits for one mailbox: {@code requestsPerWindow} requests per {@code window} (fixed windows;
 * Graph: 10,000 per 10 minutes) and {@code maxConcurrent} requests in flight (Graph: 4).
 */
public record Limits(int requestsPerWindow, Duration window, int maxConcurrent) {

    public Limits {
        if (requestsPerWindow < 1 || maxConcurrent < 1 || window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
