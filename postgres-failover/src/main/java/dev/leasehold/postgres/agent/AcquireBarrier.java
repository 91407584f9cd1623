package dev.leasehold.postgres.agent;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The member side of the failsafe: a promise to a primary not to take the Lease for a while, kept atomic with the
 * acquisitions the lock lets through. A promise is refused while an acquisition is in flight (its outcome is
 * unknown), and no acquisition starts while a promise runs, so a member that confirmed can never hold a term it
 * won during its promise. Time is this process's monotonic clock.
 */
final class AcquireBarrier {

    /** A running promise. */
    record Promise(String primary, Duration left) {
    }

    private final LongSupplier nanoTime;
    private int inFlight;
    private String promisedTo = "";
    private long promiseEndsNanos;

    AcquireBarrier(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Lets an acquisition through unless a promise runs; every {@code true} must be followed by {@link #exit()}. */
    synchronized boolean tryEnter() {
        if (runningAt(nanoTime.getAsLong())) {
            return false;
        }
        inFlight++;
        return true;
    }

    /** An acquisition let through has its answer (or failed). */
    synchronized void exit() {
        inFlight = Math.max(0, inFlight - 1);
    }

    /**
     * Promises {@code primary} not to acquire for {@code window} from now; extends a running promise.
     *
     * @return false when an acquisition is in flight: no promise is made
     */
    synchronized boolean promise(String primary, Duration window) {
        if (inFlight > 0) {
            return false;
        }
        long now = nanoTime.getAsLong();
        long end = now + window.toNanos();
        if (!runningAt(now) || end - promiseEndsNanos > 0) {
            promiseEndsNanos = end;
        }
        promisedTo = primary;
        return true;
    }

    /** The promise that runs now, if any. */
    synchronized Optional<Promise> running() {
        long now = nanoTime.getAsLong();
        return runningAt(now) ? Optional.of(new Promise(promisedTo, Duration.ofNanos(promiseEndsNanos - now)))
                : Optional.empty();
    }

    private boolean runningAt(long now) {
        return !promisedTo.isEmpty() && promiseEndsNanos - now > 0;
    }
}
