package dev.postroom.simulator;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * The simulator's wall clock: the system clock plus an offset that tests can move forward, so that codes, tokens
 * and subscriptions expire without waiting. Throttling windows use the monotonic clock and do not move with it.
 */
@ApplicationScoped
public class SimClock implements InstantSource {

    private volatile Duration offset = Duration.ZERO;

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("the simulator's clock only moves forward");
        }
        synchronized (this) {
            offset = offset.plus(by);
        }
    }
}
