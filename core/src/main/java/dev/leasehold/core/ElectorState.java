package dev.leasehold.core;

/**
 * The states of a {@link LeaderElector}. Legal transitions: NEW → FOLLOWING (start), FOLLOWING ⇄ LEADING,
 * and any state → STOPPED (close). STOPPED is final.
 */
public enum ElectorState {
    /** Built, not started. */
    NEW,
    /** Competing: watching or polling the lock and taking it when it is free or expired. */
    FOLLOWING,
    /** Holding the lock with a valid leadership handle. */
    LEADING,
    /** Closed; final. */
    STOPPED
}
