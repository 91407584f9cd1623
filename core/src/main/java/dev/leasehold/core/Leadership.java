package dev.leasehold.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One term of leadership held by one elector.
 *
 * <p>{@link #isValid()} is true only until the start of the last successful renew plus the renew deadline, on
 * the elector's monotonic clock, and never again once the term has ended. Check it before each unit of
 * leader-only work, and pass {@link #term()} downstream as a fencing token so that systems which see a higher
 * term can refuse writes from this one.
 */
public interface Leadership {

    /** The identity that holds this term. */
    String identity();

    /**
     * The term: the lock's leader-transition count written by the acquisition that began this leadership.
     * Strictly greater than every earlier term of the same lock (as long as the lock's record stays readable).
     */
    long term();

    /**
     * True while this term is valid: acquired, not ended, and the renew deadline not yet passed. Once false it
     * stays false. A started-leading callback may see it false already (the term ended, e.g. by a concurrent
     * {@code close()}, before the callback ran); its stopped-leading follows all the same.
     */
    boolean isValid();

    /**
     * How long this term stays valid if no further renew succeeds: from now to the start of the last successful
     * renew plus the renew deadline, on the elector's monotonic clock. Zero once the term has ended.
     */
    Duration validFor();

    /** True once this term is over for good: the negation of {@link #isValid()}, named for readability. */
    default boolean isEnded() {
        return !isValid();
    }

    /**
     * Completes when this term ends (deadline passed, lock lost, elector closed). Completed on the callback
     * executor (never on the scheduler) but outside the callback queue, so started-leading may block on it:
     * {@code leadership.lost().join()} is the natural end of leader work. With a caller-supplied callback
     * executor, give it at least two threads for that.
     */
    CompletableFuture<Void> lost();
}
