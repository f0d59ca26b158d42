package dev.postroom.simulator;

/**
 * What the Graph endpoints saw of one mailbox's client, for tests that check the client behaves.
 *
 * @param requests              authenticated Graph requests, answered or refused
 * @param admitted              requests that were served
 * @param maxConcurrent         most requests in flight at once (refused ones included at the moment they arrived)
 * @param throttled             {@code 429 TooManyRequests} answers (budget used up, or a 429 storm)
 * @param concurrencyThrottled  {@code 429 ApplicationThrottled} answers (more than the concurrency limit)
 * @param unavailable           {@code 503} answers
 * @param duringRetryAfter      requests that arrived while a {@code Retry-After} the simulator had sent was running:
 *                              a well-behaved client keeps this at 0
 */
public record ThrottleStats(long requests, long admitted, int maxConcurrent, long throttled, long concurrencyThrottled,
        long unavailable, long duringRetryAfter) {
}
