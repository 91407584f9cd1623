package dev.leasehold.core.internal;

import dev.leasehold.core.spi.LeaderElectionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An acquisition this incarnation sent and whose answer has not said it failed: until a conflict says otherwise,
 * it may have landed, and a record read back that is exactly it is this incarnation's own term.
 *
 * <p>"Exactly" means the same holder, the same term and the same acquire and renew times as the lock stores them
 * (truncated to its {@link dev.leasehold.core.spi.ResourceLock#timePrecision() time precision}). That tells this
 * attempt from a twin's (a second live process with the same identity) only if the precision is fine enough: a
 * twin writes its own acquire time, which differs from ours in the microseconds unless both attempts fall in the
 * same microsecond with the same term. A lock keeping coarser times (whole seconds) never recognises an attempt.
 *
 * @param record the record sent
 * @param sentAtNanos the local monotonic instant the write was sent: a term won by it may have started then
 */
record Attempt(LeaderElectionRecord record, long sentAtNanos) {

    /** The coarsest time precision at which an attempt is told from a twin's: one microsecond. */
    static final Duration COARSEST_PRECISION = Duration.ofNanos(1_000);

    /** True when a lock keeping times at {@code precision} can tell this candidate's attempts from a twin's. */
    static boolean recognisable(Duration precision) {
        return precision != null && !precision.isNegative() && !precision.isZero()
                && precision.compareTo(COARSEST_PRECISION) <= 0 && 1_000_000_000L % precision.toNanos() == 0;
    }

    /** True when {@code stored} is this attempt as a lock keeping times at {@code precision} stores it. */
    boolean isStoredAs(LeaderElectionRecord stored, Duration precision) {
        if (!recognisable(precision)) {
            return false;
        }
        long nanos = precision.toNanos();
        return stored.isHeldBy(record.holderIdentity()) && stored.leaderTransitions() == record.leaderTransitions()
                && sameTime(stored.acquireTime(), record.acquireTime(), nanos)
                && sameTime(stored.renewTime(), record.renewTime(), nanos);
    }

    /** The term this attempt writes. */
    long term() {
        return record.leaderTransitions();
    }

    private static boolean sameTime(Optional<Instant> stored, Optional<Instant> sent, long precisionNanos) {
        return stored.isPresent() && sent.isPresent()
                && stored.get().equals(sent.get().minusNanos(sent.get().getNano() % precisionNanos));
    }
}
