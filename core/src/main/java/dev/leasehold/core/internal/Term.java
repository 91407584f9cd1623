package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.Leadership;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** One term of leadership; its validity is read straight off the monotonic clock. */
final class Term implements Leadership {

    private final String identity;
    private final long term;
    private final ElectionScheduler clock;
    private final CompletableFuture<Void> lost = new CompletableFuture<>();
    private volatile long validUntilNanos;
    private volatile boolean ended;

    Term(String identity, long term, ElectionScheduler clock, long validUntilNanos) {
        this.identity = identity;
        this.term = term;
        this.clock = clock;
        this.validUntilNanos = validUntilNanos;
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public long term() {
        return term;
    }

    @Override
    public boolean isValid() {
        return !ended && clock.nanoTime() - validUntilNanos < 0;
    }

    @Override
    public Duration validFor() {
        long left = validUntilNanos - clock.nanoTime();
        return ended || left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    @Override
    public CompletableFuture<Void> lost() {
        return lost;
    }

    long validUntilNanos() {
        return validUntilNanos;
    }

    void extendTo(long nanos) {
        if (nanos - validUntilNanos > 0) {
            validUntilNanos = nanos;
        }
    }

    /** Ends the term at once; {@link #lost()} is completed separately, off the scheduler. */
    void end() {
        ended = true;
    }

    void completeLost() {
        lost.complete(null);
    }

    @Override
    public String toString() {
        return "term " + term + " of " + identity;
    }
}
