package dev.postroom.simulator;

import java.time.Duration;

/**
 * Trouble the simulator makes on purpose, per mailbox or for all of them. Rates are probabilities from 0 to 1,
 * rolled per request (per notification for {@code notificationLossRate}).
 *
 * @param throttleRate          share of requests answered {@code 429 TooManyRequests} ("429 storm")
 * @param throttleRetryAfter    the {@code Retry-After} of those answers (fractions of a second are sent as such)
 * @param unavailableRate       share of requests answered {@code 503 ServiceUnavailable}
 * @param unavailableRetryAfter the {@code Retry-After} of the 503s; null sends none
 * @param latency               added to every admitted request, while it counts as in flight
 * @param notificationLossRate  share of change notifications never sent
 */
public record Faults(double throttleRate, Duration throttleRetryAfter, double unavailableRate,
        Duration unavailableRetryAfter, Duration latency, double notificationLossRate) {

    public Faults {
        throttleRate = rate(throttleRate, "throttleRate");
        unavailableRate = rate(unavailableRate, "unavailableRate");
        notificationLossRate = rate(notificationLossRate, "notificationLossRate");
        throttleRetryAfter = throttleRetryAfter == null ? Duration.ofSeconds(10) : throttleRetryAfter;
        latency = latency == null ? Duration.ZERO : latency;
    }

    public static Faults none() {
        return new Faults(0, null, 0, null, null, 0);
    }

    public Faults withThrottling(double rate, Duration retryAfter) {
        return new Faults(rate, retryAfter, unavailableRate, unavailableRetryAfter, latency, notificationLossRate);
    }

    public Faults withUnavailability(double rate, Duration retryAfter) {
        return new Faults(throttleRate, throttleRetryAfter, rate, retryAfter, latency, notificationLossRate);
    }

    public Faults withLatency(Duration added) {
        return new Faults(throttleRate, throttleRetryAfter, unavailableRate, unavailableRetryAfter, added, notificationLossRate);
    }

    public Faults withNotificationLoss(double rate) {
        return new Faults(throttleRate, throttleRetryAfter, unavailableRate, unavailableRetryAfter, latency, rate);
    }

    private static double rate(double value, String name) {
        if (value < 0 || value > 1 || Double.isNaN(value)) {
            throw new IllegalArgumentException(name + " must be from 0 to 1");
        }
        return value;
    }
}
