package dev.leasehold.core.internal;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
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
 *   <li>A record naming this identity is ours only when it carries the term this incarnation won, at the
 *       version it last wrote, or is exactly its acquisition whose answer was lost ({@link Attempt}; only on a
 *       lock that keeps times to the microsecond or finer).</li>
 *   <li>A released record is free at once only when it releases the term of the holder we last saw (or our
 *       own) and no higher term was seen: anything else may be a restore, not a release.</li>
 *   <li>Every change to a record held by someone else (or unreadable) sets a barrier: a full lease after that
 *       change. Deleting the object, emptying it, or restoring an old record never lifts the barrier; only a
 *       genuine release (or our own record) does. An object seen to go missing is taken a full lease after it
 *       was seen missing at the earliest.</li>
 *   <li>Terms continue from the highest term seen or tried, so a recreated object never reissues one.</li>
 * </ul>
 * Not thread-safe: used under the election loop's mutex.
 */
final class Observation {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    /**
     * The longest lease a record may declare: the most a Kubernetes Lease can carry (int32 seconds, about 68
     * years), far inside what the monotonic clock can count. A longer one counts as unreadable. A legal but absurd
     * lease is honoured: a holder that claims it may still be working, so waiting is the safe side; release or
     * delete the lock to end it.
     */
    static final Duration MAX_RECORD_LEASE = Duration.ofSeconds(Integer.MAX_VALUE);

    /**
     * How many acquisitions with unknown outcomes are remembered. A lost one may land after the next was sent (a
     * request held up in a busy client or server); the next then conflicts, and the earlier one is still ours.
     */
    static final int MAX_PENDING_ATTEMPTS = 4;

    private final String identity;
    private final String name;
    private final long ownLeaseNanos;
    private final long releaseDelayNanos;
    private final long successorGraceNanos;
    private LockSnapshot known;
    private long changedAtNanos;
    private long highestTerm;
    private long ownTerm = -1;
    private final Duration timePrecision;
    /** Acquisitions sent whose answers did not say they failed, oldest first: any may have landed, even late. */
    private final Deque<Attempt> attempts = new ArrayDeque<>();
    private long highestTried;
    private String ownVersion = "";
    private boolean seenObject;
    private boolean seenHeld;
    private long lastHeldTerm = -1;
    private boolean initialWait;
    private long initialUntilNanos;
    private long barrierNanos;
    private boolean barrier;
    private String reportedVersion = "";

    Observation(String identity, String name, Duration ownLease, Duration releaseDelay, Duration successorGrace,
            Duration timePrecision) {
        this.identity = identity;
        this.timePrecision = timePrecision;
        this.name = name;
        this.ownLeaseNanos = ownLease.toNanos();
        this.releaseDelayNanos = releaseDelay.toNanos();
        this.successorGraceNanos = successorGrace.toNanos();
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

    /** The term this incarnation last won; -1 before its first acquisition. */
    long ownTerm() {
        return ownTerm;
    }

    /**
     * An acquisition is about to be sent at {@code sentAtNanos}. Until its answer says otherwise, a record that is
     * exactly it counts as ours: if the answer is lost, the write may still have landed.
     */
    void attempting(LeaderElectionRecord record, long sentAtNanos) {
        attempts.addLast(new Attempt(record, sentAtNanos));
        if (attempts.size() > MAX_PENDING_ATTEMPTS) {
            attempts.removeFirst();
        }
        highestTried = Math.max(highestTried, record.leaderTransitions());
    }

    /** The attempt landed: its term is ours. */
    void attemptWon(long term) {
        ownTerm = term;
        highestTerm = Math.max(highestTerm, ownTerm);
        attempts.clear();
    }

    /** The attempt with {@code term} certainly did not land (a conflict); earlier ones still may. */
    void attemptLost(long term) {
        attempts.removeIf(a -> a.term() == term);
    }

    /** Holds off any acquisition until {@code nanos} (the opt-in initial wait). */
    void holdUntil(long nanos) {
        initialWait = true;
        initialUntilNanos = nanos;
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
        Optional<LeaderElectionRecord> record = next.record();
        record.ifPresent(r -> highestTerm = Math.max(highestTerm, r.leaderTransitions()));
        if (changed && heldByAnother()) {
            barrier = true;
            barrierNanos = now + leaseNanos();
            seenHeld = true;
            record.ifPresent(r -> lastHeldTerm = r.leaderTransitions());
        }
        seenObject = true;
        reportOddities(next);
        return changed;
    }

    /** This incarnation wrote (or, leading, read) its own record at {@code version}. */
    void ownVersion(String version) {
        ownVersion = version;
    }

    /**
     * True when the snapshot is ours to take at once: it names this identity with the term this incarnation won,
     * at the version it last wrote, and no higher term was seen since. Our own old record coming back (a restored
     * backup, a rolled-back API server) is not. An acquisition whose answer was lost is ours only when the record
     * is exactly it ({@link #landedAttempt()}).
     */
    boolean isOurs(LockSnapshot snapshot) {
        return snapshot != null && snapshot.record()
                .filter(r -> r.isHeldBy(identity) && r.leaderTransitions() >= highestTerm)
                .map(r -> r.leaderTransitions() == ownTerm && snapshot.version().equals(ownVersion))
                .orElse(false);
    }

    boolean isOurs() {
        return isOurs(known);
    }

    /**
     * True when the record names this identity with a term this incarnation won (or may have won): ours to
     * release, whatever its version (an abandoned renew of ours may have landed).
     */
    boolean namesOurTerm() {
        return known != null && known.record()
                .filter(r -> r.isHeldBy(identity))
                .map(r -> r.leaderTransitions() == ownTerm || isAttempt(r)).orElse(false);
    }

    private boolean isAttempt(LeaderElectionRecord r) {
        return storedAttempt(r) != null;
    }

    private Attempt storedAttempt(LeaderElectionRecord r) {
        for (Attempt a : attempts) {
            if (a.isStoredAs(r, timePrecision)) {
                return a;
            }
        }
        return null;
    }

    /**
     * The acquisition whose answer was lost, when the lock holds exactly it and no higher term was seen: the write
     * landed and the term is ours, to lead on while the renew deadline counted from its sending lasts. Null
     * otherwise, and always on a lock whose times cannot tell it from a twin's. Past that deadline the record is
     * waited out like any other holder's: by then it may have been overwritten and restored.
     */
    Attempt landedAttempt() {
        Optional<LeaderElectionRecord> record = sane();
        Attempt landed = record.map(this::storedAttempt).orElse(null);
        return landed != null && record.get().leaderTransitions() >= highestTerm ? landed : null;
    }

    /** The holder to report: empty when none is known, unreadable or the lease is out of range. */
    String holder() {
        return sane().map(LeaderElectionRecord::holderIdentity).orElse("");
    }

    /**
     * The earliest local instant at which this candidate may write itself as holder: at once for its own record
     * or the genuine release of the holder it saw; a full lease after the object went missing or emptied (unless
     * this candidate never saw it at all); otherwise a full lease after the last change; never before the
     * barrier.
     */
    long takeableAtNanos(long now) {
        long at = takeableIgnoringInitialWait(now);
        return initialWait && initialUntilNanos - at > 0 ? initialUntilNanos : at;
    }

    private long takeableIgnoringInitialWait(long now) {
        if (known == null || (known.record().isEmpty() && !known.isUnreadable())) {
            if (!seenObject) {
                return barrier ? barrierNanos : now; // a fresh start: nothing to protect that we could know of
            }
            return latest(changedAtNanos + ownLeaseNanos); // deleted or emptied: who held it is unknown
        }
        Optional<LeaderElectionRecord> record = sane();
        if (isOurs()) {
            return changedAtNanos;
        }
        if (record.map(this::isGenuineRelease).orElse(false)) {
            LeaderElectionRecord r = record.get();
            long at = r.leaderTransitions() == ownTerm ? changedAtNanos : changedAtNanos + releaseDelayNanos;
            if (r.preferredHolder().filter(p -> !p.equals(identity)).isPresent()) {
                long grace = changedAtNanos + successorGraceNanos; // the named successor goes first
                at = grace - at > 0 ? grace : at;
            }
            return at;
        }
        return latest(changedAtNanos + leaseNanos());
    }

    /** A release of the term of the holder we last saw (or of our own), not older than any term seen. */
    private boolean isGenuineRelease(LeaderElectionRecord r) {
        long t = r.leaderTransitions();
        return r.isReleased() && t >= highestTerm && (!seenHeld || t == lastHeldTerm || t == ownTerm);
    }

    private long latest(long nanos) {
        return barrier && barrierNanos - nanos > 0 ? barrierNanos : nanos;
    }

    /** The term an acquisition writes: one above the highest ever seen on this lock. */
    long nextTerm() {
        return Math.max(highestTerm, highestTried) + 1;
    }

    private boolean heldByAnother() {
        if (known.isUnreadable()) {
            return true;
        }
        Optional<LeaderElectionRecord> record = sane();
        if (known.record().isPresent() && record.isEmpty()) {
            return true; // out-of-range lease: held by someone we cannot judge
        }
        // our own acquisition, seen before its answer, is not another holder (nor ours to take at once)
        return record.map(r -> !r.isReleased() && !isOurs() && !isAttempt(r)).orElse(false);
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
