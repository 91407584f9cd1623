package dev.leasehold.core;

/** What an elector does when its started-leading callback throws. */
public enum StartFailurePolicy {
    /**
     * Give the lock up (as {@link LeaderElector#resign(java.time.Duration)} does) and stay away for one lease
     * duration, so that another candidate, whose start may succeed, leads meanwhile. The default.
     */
    RESIGN,
    /** Log the failure and keep leading (the behaviour before this policy existed). */
    KEEP_LEADING
}
