package dev.leasehold.core.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** How long to wait between polls and after failures, stretched by jitter so candidates drift apart. */
final class Delays {

    private final long retryNanos;
    private final double jitter;
    private final RandomGenerator random;

    Delays(Duration retryPeriod, double jitter, RandomGenerator random) {
        this.retryNanos = retryPeriod.toNanos();
        this.jitter = jitter;
        this.random = random;
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
