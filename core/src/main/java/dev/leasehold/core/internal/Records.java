package dev.leasehold.core.internal;

import dev.leasehold.core.spi.LeaderElectionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The three records an elector writes, as pure functions of what it read. */
final class Records {

    private Records() {
    }

    /**
     * Taking the lock: this holder, a fresh acquire time and {@code term}, one above the highest transition count
     * this candidate ever saw on the lock (never below the old record's count plus one). A preferred holder that
     * is this candidate has been served and is dropped.
     */
    static LeaderElectionRecord acquisition(Optional<LeaderElectionRecord> old, String identity, Duration lease,
            Instant now, long term) {
        long transitions = Math.max(term, old.map(LeaderElectionRecord::leaderTransitions).orElse(0L) + 1);
        Optional<String> preferred = old.flatMap(LeaderElectionRecord::preferredHolder)
                .filter(p -> !p.equals(identity));
        return new LeaderElectionRecord(identity, lease, Optional.of(now), Optional.of(now), transitions, preferred);
    }

    /** Renewing: the same term with a new renew time. */
    static LeaderElectionRecord renewal(LeaderElectionRecord current, Duration lease, Instant now) {
        return new LeaderElectionRecord(current.holderIdentity(), lease, current.acquireTime(), Optional.of(now),
                current.leaderTransitions(), current.preferredHolder());
    }

    /**
     * Releasing: an empty holder (which every client reads as free) and the shortest duration the lock can
     * store, as client-go does, keeping the transition count so terms keep rising; naming {@code successor} as
     * preferred holder when a resigning leader gives one.
     */
    static LeaderElectionRecord release(LeaderElectionRecord current, Duration granularity, Instant now,
            Optional<String> successor) {
        Duration shortest = granularity.compareTo(Duration.ofSeconds(1)) > 0 ? granularity : Duration.ofSeconds(1);
        return new LeaderElectionRecord("", shortest, Optional.of(now), Optional.of(now),
                current.leaderTransitions(), successor.or(current::preferredHolder));
    }
}
