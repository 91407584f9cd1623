package dev.leasehold.core.sim;

import dev.leasehold.core.ElectorState;
import dev.leasehold.core.StateChange;
import dev.leasehold.core.spi.LockSnapshot;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The simulation's invariants about terms and leader work, fed by the store's writes, each elector's
 * transitions and its callbacks.
 *
 * <ul>
 *   <li>A leader's term is the transition count of a record naming it that reached the store.</li>
 *   <li>No term is issued twice and terms rise, except where the documented limit applies: the lock was
 *       deleted or rolled back, and the winner could not have seen the old terms (it was launched while the
 *       store was behind, or just before the reset, or was cut off or fed faults since its launch).</li>
 *   <li>Leader work windows (from the start of started-leading to the return of stopped-leading) of different
 *       incarnations never overlap.</li>
 * </ul>
 */
final class Ledger {

    private final Set<String> written = new HashSet<>();
    private final Set<Long> issued = new HashSet<>();
    private final BiConsumer<Boolean, String> require;
    private long lastTerm;
    private Candidate lastTermHolder;
    private long lastResetAt = -1;
    private boolean behind;

    Ledger(BiConsumer<Boolean, String> require) {
        this.require = require;
    }

    /** A store watcher: notes each record that reached the store. */
    void stored(Optional<LockSnapshot> snapshot) {
        snapshot.flatMap(LockSnapshot::record)
                .ifPresent(r -> written.add(r.holderIdentity() + "#" + r.leaderTransitions()));
    }

    /**
     * The lock was deleted, rolled back or overwritten with an old record at {@code now}. Candidates launched
     * less than {@code leaseNanos} before may not have read the lock yet: they count as fresh.
     */
    void reset(long now, long leaseNanos, List<Candidate> all) {
        lastResetAt = now;
        behind = true;
        all.stream().filter(c -> now - c.launchedAt < leaseNanos).forEach(c -> c.fresh = true);
    }

    /** True while the store may hold less than the highest term issued (since a reset, until a higher term). */
    boolean isBehind() {
        return behind;
    }

    void transition(Candidate c, StateChange change) {
        if (change.to() != ElectorState.LEADING) {
            return;
        }
        long term = change.term();
        require.accept(written.contains(c.identity + "#" + term), c + " leads with term " + term
                + " but never wrote a record with that transition count");
        // listeners run on the (possibly slow) callback executor: the one that reports second may have acquired
        // first, so the limit applies when either side could not know
        boolean mayNotKnow = lastResetAt >= 0 && (c.fresh || c.faulted
                || (lastTermHolder != null && (lastTermHolder.fresh || lastTermHolder.faulted)));
        require.accept(mayNotKnow || (term > lastTerm && !issued.contains(term)), "term " + term + " of " + c
                + " does not exceed the previous term " + lastTerm + " of " + lastTermHolder
                + " (or was issued before)");
        issued.add(term);
        if (term > lastTerm) {
            behind = false;
        }
        lastTerm = Math.max(lastTerm, term);
        lastTermHolder = c;
    }

    boolean hadReset() {
        return lastResetAt >= 0;
    }
}
