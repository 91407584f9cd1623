package dev.leasehold.core;

/**
 * The answer of {@link LeaderElector#health()}, for a liveness probe.
 *
 * @param healthy false when the elector believes it leads although its renew deadline has passed by more than
 *     the tolerance: its timer thread is stuck and the process should be restarted
 * @param detail a short explanation for people
 */
public record Health(boolean healthy, String detail) {
}
