package dev.leasehold.core;

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

    /** True while this term is valid: acquired, not ended, and the renew deadline not yet passed. */
    boolean isValid();

    /**
     * Completes when this term ends (deadline passed, lock lost, elector closed). Completed on the callback
     * executor, never on the scheduler.
     */
    CompletableFuture<Void> lost();
}
