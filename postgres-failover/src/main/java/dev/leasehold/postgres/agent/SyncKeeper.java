package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Identifiers;
import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.SynchronousStandbys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous mode on the primary: keeps {@code synchronous_standby_names} at {@code ANY k (...)} over the
 * healthy standbys that may take over, and the set published in the Lease ({@link SyncSet#ANNOTATION}) a superset
 * of it, so that the published set always covers every member that may hold all acknowledged commits. One change
 * runs in three steps, one per call, each after the one before is seen done:
 * <ol>
 *   <li>publish the union of the old and the new set, with the smaller count (0 when either is asynchronous);</li>
 *   <li>once the Lease shows it, set {@code synchronous_standby_names} to the new set (or clear it);</li>
 *   <li>publish the new set.</li>
 * </ol>
 * A member joins the server's setting only after it is published; it leaves the published set only after it left
 * the setting. Runs on the agent's loop thread.
 */
final class SyncKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(SyncKeeper.class);

    private final String self;
    private final AgentConfig.Synchronous mode;
    /** What the server's setting holds: members and count (0: asynchronous); null when unknown. */
    private SyncSet applied;
    private SyncSet publish;
    /** The primary's WAL position when the setting last changed: the new set's members must have it too. */
    private Lsn switchLsn;

    SyncKeeper(String self, AgentConfig.Synchronous mode) {
        this.self = self;
        this.mode = mode;
    }

    /** The set the holder's writes carry; empty before the first step of a term. */
    Optional<SyncSet> toPublish() {
        return Optional.ofNullable(publish);
    }

    /**
     * A new term: commits wait (the agent's commit hold) until the steps have put the set in place, starting from
     * the set the Lease shows (what the previous primary published).
     */
    void reset(PostgresInstance pg, Optional<SyncSet> published) {
        CommitHold.apply(pg);
        applied = null;
        publish = published.orElse(null);
    }

    /**
     * Puts the setting back after the agent's own commit hold is lifted: the set last applied, or the hold itself
     * while none was (or strict mode has nobody to wait for).
     */
    void restore(PostgresInstance pg) {
        if (applied == null || (applied.empty() && mode.strict())) {
            return; // the hold stays: commits wait
        }
        apply(pg, applied);
    }

    private void apply(PostgresInstance pg, SyncSet set) {
        if (!set.empty()) {
            pg.synchronousStandbys().set(SynchronousStandbys.Method.ANY, set.count(), set.members());
        } else if (mode.strict()) {
            CommitHold.apply(pg); // strict and nobody to wait for: commits wait for a standby to come
        } else {
            pg.synchronousStandbys().clear();
        }
    }

    /**
     * One step towards the wanted set.
     *
     * @param published the set the Lease shows now
     * @return a sentence when something changed, for the log
     */
    Optional<String> step(PostgresInstance pg, Map<String, Observed> others, Duration statusTtl,
            Optional<SyncSet> published) {
        SyncSet wanted = wanted(others, statusTtl);
        if (publish == null) {
            publish = published.orElse(new SyncSet("ANY", 0, List.of(), mode.strict()));
        }
        if (applied != null && same(applied, wanted)) {
            if (!published.map(p -> same(p, wanted)).orElse(false)) {
                if (!caughtUp(pg, wanted)) {
                    return Optional.empty(); // its members must hold what was acknowledged before the change
                }
                return publish(wanted, "publishing the synchronous set"); // step 3: the setting already is it
            }
            return Optional.empty();
        }
        SyncSet union = union(applied == null ? publish : applied, wanted);
        if (!published.map(p -> same(p, union)).orElse(false)) {
            // step 1: everything that may hold acknowledged commits, before the setting changes
            return publish(union, "publishing before changing the setting:");
        }
        // step 2: the union is published: the setting may change
        apply(pg, wanted);
        applied = wanted;
        switchLsn = pg.status().currentLsn().orElse(null);
        return Optional.of("synchronous_standby_names now " + (wanted.empty() ? "empty (asynchronous)"
                : "ANY " + wanted.count() + " " + wanted.members()));
    }

    /** Sets what the holder's writes carry; a sentence for the log when it changed (once, not every tick). */
    private Optional<String> publish(SyncSet set, String what) {
        if (publish != null && same(publish, set)) {
            return Optional.empty();
        }
        publish = set;
        return Optional.of(what + " " + set.members() + ", " + set.count() + " confirm each commit");
    }

    /**
     * Whether {@code count} members of {@code set} have replayed up to where the setting changed: commits
     * acknowledged before the change were confirmed by members of the old set, which the new one must now cover.
     */
    private boolean caughtUp(PostgresInstance pg, SyncSet set) {
        if (set.empty()) {
            return true;
        }
        if (switchLsn == null) {
            return false;
        }
        long n = pg.status().replicas().stream()
                .filter(r -> set.members().stream().anyMatch(m -> Identifiers.slotNameFor(m).equals(r.applicationName())))
                .filter(r -> r.replayLsn().map(l -> l.compareTo(switchLsn) >= 0).orElse(false))
                .count();
        return n >= set.count();
    }

    private SyncSet wanted(Map<String, Observed> others, Duration statusTtl) {
        List<String> healthy = new ArrayList<>();
        others.forEach((name, o) -> {
            if (o.age().compareTo(statusTtl) <= 0 && o.status().healthyReplica() && !o.status().noFailover()) {
                healthy.add(name);
            }
        });
        if (healthy.size() >= mode.count()) {
            return new SyncSet("ANY", mode.count(), healthy, mode.strict());
        }
        if (mode.strict()) {
            // too few: keep who is there, so commits wait for them rather than go asynchronous
            TreeSet<String> keep = new TreeSet<>(healthy);
            if (applied != null) {
                keep.addAll(applied.members());
            } else if (publish != null) {
                keep.addAll(publish.members());
            }
            keep.remove(self);
            if (keep.size() >= mode.count()) {
                return new SyncSet("ANY", mode.count(), new ArrayList<>(keep), true);
            }
            LOG.warn("{}: strict synchronous mode, but only {} standbys are known for count {}", self, keep.size(),
                    mode.count());
            return new SyncSet("ANY", keep.size(), new ArrayList<>(keep), true);
        }
        return healthy.isEmpty() ? new SyncSet("ANY", 0, List.of(), false)
                : new SyncSet("ANY", healthy.size(), healthy, false);
    }

    private static SyncSet union(SyncSet a, SyncSet b) {
        TreeSet<String> all = new TreeSet<>(a.members());
        all.addAll(b.members());
        int count = a.empty() || b.empty() ? 0 : Math.min(a.count(), b.count());
        return new SyncSet("ANY", count, new ArrayList<>(all), b.strict());
    }

    private static boolean same(SyncSet a, SyncSet b) {
        return a.count() == b.count() && a.members().equals(b.members());
    }
}
