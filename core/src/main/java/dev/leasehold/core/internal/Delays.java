package dev.leasehold.core.internal;

import dev.leasehold.core.spi.LockUnavailableException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/** How long to wait between polls and after failures, stretched by jitter so candidates drift apart. */
final class Delays {

    /** The most of a server's Retry-After hint that is honoured, in retry periods (and never over a lease). */
    static final int RETRY_AFTER_CAP_PERIODS = 4;

    private final long retryNanos;
    private final long retryAfterCapNanos;
    private final long callTimeoutNanos;
    private final double jitter;
    private final RandomGenerator random;

    Delays(Duration retryPeriod, Duration leaseDuration, Duration callTimeout, double jitter,
            RandomGenerator random) {
        this.retryNanos = retryPeriod.toNanos();
        this.retryAfterCapNanos = Math.min(retryNanos * RETRY_AFTER_CAP_PERIODS, leaseDuration.toNanos());
        this.callTimeoutNanos = callTimeout.toNanos();
        this.jitter = jitter;
        this.random = random;
    }

    /**
     * The wait after a failed call: the own backoff, or the server's Retry-After hint (capped at
     * {@value #RETRY_AFTER_CAP_PERIODS} retry periods and at the lease duration) if that is longer. A leader
     * ({@code deadlineInNanos} not null: the time left before its renew deadline) waits for the hint only as long
     * as still leaves one call timeout before the deadline, so it gets one more try; never less than its own
     * backoff.
     */
    long afterFailureNanos(int failures, Throwable cause, Long deadlineInNanos) {
        long own = backoffNanos(failures);
        if (!(cause instanceof LockUnavailableException unavailable)) {
            return own;
        }
        long hint = unavailable.retryAfter().map(Delays::nanos).orElse(0L);
        long honoured = Math.min(hint, retryAfterCapNanos);
        if (deadlineInNanos != null) {
            honoured = Math.min(honoured, deadlineInNanos - callTimeoutNanos);
        }
        return Math.max(own, honoured);
    }

    private static long nanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // centuries: the cap applies
        }
    }

    /** A follower without a watch reads every retry period, stretched by up to {@code jitter}. */
    long pollNanos() {
        return stretch(retryNanos);
    }

    /**
     * After {@code failures} failures in a row: an eighth of the retry period, doubling up to the full period, so
     * a leader retries several times before its deadline and a follower never waits longer than one period.
     */
    long backoffNanos(int failures) {
        long base = Math.min(retryNanos, (retryNanos / 8) << Math.max(0, Math.min(failures - 1, 3)));
        return stretch(base);
    }

    private long stretch(long nanos) {
        return (long) (nanos * (1 + jitter * random.nextDouble()));
    }
}
