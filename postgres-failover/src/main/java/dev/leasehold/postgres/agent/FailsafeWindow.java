package dev.leasehold.postgres.agent;

import java.time.Duration;

/**
 * The primary side's failsafe arithmetic, without HTTP and on an injected clock: how long the promises gathered in
 * confirmed rounds keep this primary writable. A round that started at {@code start} (this process's monotonic
 * clock) and got promises of at least {@code granted} from every member proves the primary may stay writable until
 * {@code start + granted × (1 − drift) − margin}, where the margin is two fence timeouts plus twice the drift over
 * a whole window: every promise started after the round did, on a clock that runs at most {@code drift} fast, so
 * every member is still bound when a fence begun at that instant has finished. Never later than {@code limit}
 * after the first confirmed round of the stint (one outage); {@link #clear()} ends the stint.
 *
 * <p>Used by {@link Failsafe} and by the agent simulation. Thread-safe.
 */
final class FailsafeWindow {
    private final Duration margin;
    private final double drift;
    private final Duration limit;
    private long provenUntilNanos;
    private boolean proven;
    private long stintStartNanos;
    private boolean inStint;

    /**
     * @param window the longest promise asked for ({@code failsafeWindow})
     * @param fenceTimeout how long one step of a fence may take; a fence takes at most two
     * @param drift the clock-rate difference tolerated ({@code maxClockDrift})
     * @param limit the longest a primary stays writable on promises alone in one stint ({@code failsafeLimit})
     */
    FailsafeWindow(Duration window, Duration fenceTimeout, double drift, Duration limit) {
        this.drift = drift;
        this.limit = limit;
        this.margin = fenceTimeout.multipliedBy(2).plus(Duration.ofNanos((long) (window.toNanos() * drift * 2)));
    }

    /** What is taken off every proven window: two fence timeouts and the clock drift over a whole window. */
    Duration margin() {
        return margin;
    }

    /** Every member promised at least {@code granted}, in a round that started at {@code startNanos}. */
    synchronized void confirmed(long startNanos, Duration granted) {
        long until = startNanos + (long) (granted.toNanos() * (1 - drift)) - margin.toNanos();
        if (!inStint) {
            stintStartNanos = startNanos;
            inStint = true;
        }
        if (!proven || until - provenUntilNanos > 0) {
            provenUntilNanos = until;
        }
        proven = true;
    }

    /** How much longer, at {@code nowNanos}, the promises keep this primary writable; zero when they do not. */
    synchronized Duration remaining(long nowNanos) {
        if (!proven) {
            return Duration.ZERO;
        }
        long cap = stintStartNanos + limit.toNanos();
        long left = Math.min(provenUntilNanos - nowNanos, cap - nowNanos);
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /** Whether, at {@code nowNanos}, the stint has run for {@code limit}. */
    synchronized boolean limitReached(long nowNanos) {
        return proven && inStint && nowNanos - (stintStartNanos + limit.toNanos()) >= 0;
    }

    /** Forgets what was proven and ends the stint. */
    synchronized void clear() {
        proven = false;
        inStint = false;
    }
}
