package dev.leasehold.core.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a lock object says about its holder: the fields client-go's {@code LeaderElectionRecord} has, plus
 * {@code preferredHolder}.
 *
 * <p>The timestamps are written for people and other clients. The elector never compares them with its own
 * clock; it measures expiry from the local instant at which it saw the record change.
 *
 * @param holderIdentity who holds the lock; empty when nobody does (after a release)
 * @param leaseDuration how long followers wait, from the last change they saw, before taking over
 * @param acquireTime when the current holder acquired the lock, if known
 * @param renewTime when the current holder last renewed, if known
 * @param leaderTransitions how many times the lock changed hands; the elector increments it on every
 *     acquisition and uses it as the term (fencing token)
 * @param preferredHolder the identity that should hold the lock next, if any (a planned handover)
 */
public record LeaderElectionRecord(
        String holderIdentity,
        Duration leaseDuration,
        Optional<Instant> acquireTime,
        Optional<Instant> renewTime,
        long leaderTransitions,
        Optional<String> preferredHolder) {

    public LeaderElectionRecord {
        holderIdentity = holderIdentity == null ? "" : holderIdentity;
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        acquireTime = acquireTime == null ? Optional.empty() : acquireTime;
        renewTime = renewTime == null ? Optional.empty() : renewTime;
        preferredHolder = preferredHolder == null ? Optional.empty() : preferredHolder.filter(p -> !p.isEmpty());
        if (leaseDuration.isNegative()) {
            throw new IllegalArgumentException("leaseDuration must not be negative, was " + leaseDuration);
        }
        if (leaderTransitions < 0) {
            throw new IllegalArgumentException("leaderTransitions must not be negative, was " + leaderTransitions);
        }
    }

    /** True when the record names no holder: the lock was released or never held. */
    public boolean isReleased() {
        return holderIdentity.isEmpty();
    }

    /** True when the record names {@code identity} as its holder. */
    public boolean isHeldBy(String identity) {
        return !holderIdentity.isEmpty() && holderIdentity.equals(identity);
    }

    /** A copy naming another holder (empty for a release). */
    public LeaderElectionRecord withHolder(String identity) {
        return new LeaderElectionRecord(identity, leaseDuration, acquireTime, renewTime, leaderTransitions,
                preferredHolder);
    }
}
