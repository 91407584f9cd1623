package dev.leasehold.core.internal;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one candidate knows about the lock object, on its own monotonic clock: the last snapshot, when it last
 * changed, the highest term ever seen on it, the term this incarnation wrote, and the earliest instant at which
 * it may take the lock whatever happens to the object (deletion, recreation, a restored backup).
 *
 * <p>The rules (issue 7, defect 1):
 * <ul>
 *   <li>A record naming this identity is ours only when it carries the term this incarnation wrote.</li>
 *   <li>A released record is free only when its term is at least the highest term seen: an older one is a
 *       restore, not the release of the holder we saw.</li>
 *   <li>Every change to a record held by someone else (or unreadable) sets a barrier: a full lease after that
 *       change. Deleting the object, emptying it, or restoring an old record never lifts the barrier; only a
 *       genuine release (or our own term) does.</li>
 *   <li>Terms continue from the highest term seen, so a recreated object never reissues one.</li>
 * </ul>
 * Not thread-safe: used under the election loop's mutex.
 */
final class Observation {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    /** The longest lease a record may declare; beyond it the record counts as unreadable. */
    static final Duration MAX_RECORD_LEASE = Duration.ofDays(1);

    private final String identity;
    private final String name;
    private final long ownLeaseNanos;
    private LockSnapshot known;
    private long changedAtNanos;
    private long highestTerm;
    private long ownTerm = -1;
    private long barrierNanos;
    private boolean barrier;
    private String reportedVersion = "";

    Observation(String identity, String name, Duration ownLease) {
        this.identity = identity;
        this.name = name;
        this.ownLeaseNanos = ownLease.toNanos();
    }

    LockSnapshot known() {
        return known;
    }

    Optional<LeaderElectionRecord> record() {
        return known == null ? Optional.empty() : known.record();
    }

    long changedAtNanos() {
        return changedAtNanos;
    }

    long highestTerm() {
        return highestTerm;
    }

    /** The term this incarnation last wrote (or tried to write) as holder; -1 before its first attempt. */
    long ownTerm() {
        return ownTerm;
    }

    void wrote(long term) {
        ownTerm = term;
        highestTerm = Math.max(highestTerm, term);
    }

    /** Holds off any acquisition until {@code nanos} (the opt-in initial wait). */
    void holdUntil(long nanos) {
        barrier = true;
        barrierNanos = nanos;
    }

    /** Notes what the lock holds at {@code now}; returns true when it changed since the last note. */
    boolean note(Optional<LockSnapshot> snapshot, long now) {
        LockSnapshot next = snapshot.orElse(null);
        String before = known == null ? null : known.version();
        String after = next == null ? null : next.version();
        boolean changed = before == null ? after != null : !before.equals(after);
        known = next;
        if (changed) {
            changedAtNanos = now;
        }
        if (next == null) {
            return changed;
        }
        next.record().ifPresent(r -> highestTerm = Math.max(highestTerm, r.leaderTransitions()));
        if (changed && heldByAnother()) {
            barrier = true;
            barrierNanos = now + leaseNanos();
        }
        reportOddities(next);
        return changed;
    }

    /** True when the record names this incarnation with the term it wrote. */
    boolean isOurs(Optional<LeaderElectionRecord> record) {
        return record.map(r -> r.isHeldBy(identity) && r.leaderTransitions() == ownTerm).orElse(false);
    }

    /** The holder to report: empty when none is known, unreadable or the lease is out of range. */
    String holder() {
        return sane().map(LeaderElectionRecord::holderIdentity).orElse("");
    }

    /**
     * The earliest local instant at which this candidate may write itself as holder: at once for its own term or
     * a genuine release; otherwise a full lease after the last change, and never before the barrier. Returns
     * {@code now} when the object is missing or empty and no barrier holds.
     */
    long takeableAtNanos(long now) {
        if (known == null || (known.record().isEmpty() && !known.isUnreadable())) {
            return barrier ? barrierNanos : now; // deleted, or an object without a record
        }
        Optional<LeaderElectionRecord> record = sane();
        if (isOurs(record) || record.map(r -> r.isReleased() && r.leaderTransitions() >= highestTerm).orElse(false)) {
            return changedAtNanos;
        }
        long expiry = changedAtNanos + leaseNanos();
        return barrier && barrierNanos - expiry > 0 ? barrierNanos : expiry;
    }

    /** The term an acquisition writes: one above the highest ever seen on this lock. */
    long nextTerm() {
        return highestTerm + 1;
    }

    private boolean heldByAnother() {
        if (known.isUnreadable()) {
            return true;
        }
        Optional<LeaderElectionRecord> record = sane();
        if (known.record().isPresent() && record.isEmpty()) {
            return true; // out-of-range lease: held by someone we cannot judge
        }
        return record.map(r -> !r.isReleased() && !isOurs(record)).orElse(false);
    }

    /** The record, unless its lease is out of range, which makes it as good as unreadable. */
    private Optional<LeaderElectionRecord> sane() {
        return record().filter(r -> r.leaseDuration().compareTo(MAX_RECORD_LEASE) <= 0);
    }

    private long leaseNanos() {
        return sane().map(LeaderElectionRecord::leaseDuration).filter(d -> !d.isZero()).map(Duration::toNanos)
                .orElse(ownLeaseNanos);
    }

    private void reportOddities(LockSnapshot next) {
        if (next.version().equals(reportedVersion)) {
            return;
        }
        if (next.isUnreadable()) {
            reportedVersion = next.version();
            log.error("{}: the lock holds a record that cannot be read ({}); treating it as held by an unknown "
                    + "holder until a full lease duration passes without change", name,
                    next.unreadableReason().orElse("?"));
        } else if (next.record().isPresent() && sane().isEmpty()) {
            reportedVersion = next.version();
            log.error("{}: the record at version {} declares leaseDuration {} (holder \"{}\"), beyond the {} a record "
                    + "may declare; treating it as unreadable: held by an unknown holder until a full lease "
                    + "duration of ours passes without change", name, next.version(),
                    next.record().get().leaseDuration(), next.record().get().holderIdentity(), MAX_RECORD_LEASE);
        }
    }
}
