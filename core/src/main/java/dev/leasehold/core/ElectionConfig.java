package dev.leasehold.core;

import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The frozen configuration of a {@link LeaderElector}, made and checked by {@link LeaderElectorBuilder}.
 *
 * @param lock the lock the candidates compete for; the elector closes it when it is closed
 * @param leaseDuration how long a follower waits after the last change it saw before it takes the lock
 * @param renewDeadline how long a leader's term stays valid after the start of its last successful renew
 * @param retryPeriod how often the leader renews, and followers without a watch poll
 * @param callTimeout the longest the elector waits for one lock call before counting it as failed
 * @param jitter the fraction (0 to 1) by which polling and backoff delays are stretched at random
 * @param maxClockDrift the clock-rate difference between candidates that the timings tolerate (e.g. 0.01)
 * @param releaseOnClose whether closing a leading elector writes an empty holder so others take over at once
 * @param onStartedLeading called with the leadership handle once this candidate's write made it holder
 * @param onStoppedLeading called exactly once after each started-leading, when that term ends
 * @param onNewLeader called with the identity of each new holder observed, this candidate included
 * @param listener hears every state transition
 * @param scheduler the time source and timer
 * @param callbackExecutor where callbacks and listeners run (in order, one at a time per elector)
 * @param random the source of jitter
 * @param closeDrainTimeout how long a closing leader keeps renewing while its stopped-leading callback runs
 * @param watchRecheck how long a follower whose watch is up may hear nothing before it reads the lock anyway
 * @param initialWait whether the elector waits one lease duration after start before its first acquisition
 * @param releaseTakeoverDelay how long a follower waits after seeing another holder's release before taking over
 * @param startFailure what the elector does when the started-leading callback throws
 * @param closeOnShutdown whether a JVM shutdown hook closes (and so releases) the elector
 */
public record ElectionConfig(
        ResourceLock lock,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        Duration callTimeout,
        double jitter,
        double maxClockDrift,
        boolean releaseOnClose,
        Consumer<Leadership> onStartedLeading,
        Runnable onStoppedLeading,
        Consumer<String> onNewLeader,
        Optional<ElectorListener> listener,
        ElectionScheduler scheduler,
        Executor callbackExecutor,
        RandomGenerator random,
        Duration closeDrainTimeout,
        Duration watchRecheck,
        boolean initialWait,
        Duration releaseTakeoverDelay,
        StartFailurePolicy startFailure,
        boolean closeOnShutdown) {

    /** The candidate's identity, as its lock writes it. */
    public String identity() {
        return lock.identity();
    }
}
