package dev.leasehold.core.sim;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StateChange;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.MultiLock;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.core.testing.Faults;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import dev.leasehold.core.testing.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * One seeded schedule: 3 to 5 candidates on one lock, a chaos phase, then a calm phase. Chaos: crashes,
 * restarts, graceful closes, partitions (loud and silent), API errors, lost answers, hangs, slow calls, dropped,
 * delayed and stale notifications, writes applied after the caller gave up, slow callbacks, a second live
 * process with the same identity, and in half the schedules an administrator who deletes the lock, restores old
 * records and rolls the API server back to an earlier state. Each candidate's clock runs at its own rate (within
 * {@link #DRIFT}), and its wall clock (which only stamps the records it writes) is its own machine's, within
 * 100 ms of the others'. Invariants are checked after every task: at most one valid leader, leader work windows never
 * overlap, every started-leading has one stopped-leading, and the term rules of {@link Ledger}.
 */
final class Scenario {

    static final double DRIFT = 0.01;

    private static final Duration[][] TIMINGS = {
        {Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2)},
        {Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofSeconds(1)},
        {Duration.ofSeconds(8), Duration.ofSeconds(5), Duration.ofMillis(1500)},
        {Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(300)},
    };

    private final long seed;
    private final Random random;
    private final VirtualScheduler time = new VirtualScheduler();
    private final InMemoryLockStore store = new InMemoryLockStore("sim");
    /** In a migration: the lock object the fleet moves to (the primary is {@link #store}). */
    private final InMemoryLockStore secondaryStore = new InMemoryLockStore("sim-secondary");
    private final List<Candidate> candidates = new ArrayList<>();
    /** Incarnations replaced by a restart: still checked, as a closed leader may still work (draining). */
    private final List<Candidate> retired = new ArrayList<>();
    private final List<LockSnapshot> history = new ArrayList<>();
    private final Duration lease;
    private final Duration renewDeadline;
    private final Duration retry;
    private final Duration chaosLatency;
    private final Duration calmLatency = Duration.ofMillis(5);
    private final Duration maxNotificationDelay;
    private final Duration maxCallbackDelay;
    private final boolean admin;
    private final boolean migration;
    /** The rollout step of a migration: 0 primary alone or multi-lock, 1 multi-lock, 2 multi-lock or secondary. */
    private int phase;
    private final Ledger ledger = new Ledger(this::require);
    private final List<String> trace = new ArrayList<>();
    private long lastWriteAt;
    private int limitOverlaps;
    private boolean inLimit;

    Scenario(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        Duration[] timing = TIMINGS[random.nextInt(TIMINGS.length)];
        lease = timing[0];
        renewDeadline = timing[1];
        retry = timing[2];
        // half the schedules run a near-instant network, where drift alone decides races
        chaosLatency = random.nextBoolean() ? Duration.ofMillis(2) : retry.dividedBy(2 + random.nextInt(4));
        maxNotificationDelay = retry.multipliedBy(2);
        // slow callbacks stay within a quarter of the margin a leader has to stop its work
        maxCallbackDelay = lease.minus(renewDeadline).dividedBy(4);
        admin = random.nextBoolean();
        migration = random.nextInt(4) == 0;
    }

    /** Runs the schedule; returns virtual time simulated. Throws {@link AssertionError} naming the seed. */
    Duration run() {
        secondaryStore.addWatcher(snapshot -> {
            if (Boolean.getBoolean("leasehold.sim.traceWrites")) {
                trace.add(String.format("%.3fs secondary: %s", time.now() / 1e9, snapshot));
            }
            ledger.stored(snapshot);
        });
        store.addWatcher(snapshot -> {
            lastWriteAt = time.now();
            if (Boolean.getBoolean("leasehold.sim.traceWrites")) {
                trace.add(String.format("%.3fs store: %s", time.now() / 1e9, snapshot));
            }
            ledger.stored(snapshot);
            snapshot.ifPresent(history::add);
        });
        time.afterEachTask(this::checkSafety);
        int n = 3 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            candidates.add(launch("c" + i, false));
        }
        Duration chaos = Duration.ofSeconds(60 + random.nextInt(240));
        long chaosEnd = time.now() + chaos.toNanos();
        long chaosStart = time.now();
        while (time.now() < chaosEnd) {
            time.runFor(Duration.ofMillis(200 + random.nextInt((int) lease.toMillis())));
            if (migration) {
                advanceRollout((int) (3 * (time.now() - chaosStart) / (chaosEnd - chaosStart + 1)));
            }
            disturb();
        }
        calm();
        return time.elapsed();
    }

    private Candidate launch(String identity, boolean initialWait) {
        // clocks at the extremes of the drift bound half the time, anywhere within it otherwise
        double rate = 1 + (random.nextBoolean() ? (random.nextBoolean() ? 1 : -1) : random.nextDouble() * 2 - 1)
                * DRIFT;
        // each process on its own machine: its wall clock within ±100 ms of the others' (NTP), which is what tells
        // the acquisitions of two processes with one identity apart (twins on one clock acting in the same
        // microsecond are the documented limit, not simulated)
        long offset = random.nextLong() >> 8;
        VirtualScheduler.Clock clock = time.clock(rate, offset, Math.floorMod(offset, 200_000_000L) - 100_000_000L);
        Faults faults = new Faults().latency(Duration.ofMillis(1), chaosLatency);
        faults.lateApplyDelay = renewDeadline;
        String kind = migration ? rolloutKind() : "single";
        InMemoryLock lock = new InMemoryLock(kind.equals("secondary") ? secondaryStore : store, identity, faults,
                time, new Random(random.nextLong()));
        Candidate c = new Candidate(identity, clock, lock, time.now());
        c.kind = kind;
        ResourceLock used = lock;
        if (kind.equals("multi")) {
            c.secondary = new InMemoryLock(secondaryStore, identity, faults, time, new Random(random.nextLong()));
            used = MultiLock.of(lock, c.secondary);
        }
        c.fresh = ledger.isBehind();
        long[] callbackDelay = {random.nextInt(4) == 0 ? maxCallbackDelay.toNanos() : 0};
        Random callbackRandom = new Random(random.nextLong());
        c.elector = LeaderElector.builder()
                .lock(used)
                .leaseDuration(lease)
                .renewDeadline(renewDeadline)
                .retryPeriod(retry)
                .maxClockDrift(DRIFT)
                .initialWait(initialWait)
                .scheduler(clock)
                .callbackExecutor(task -> {
                    if (callbackDelay[0] == 0) {
                        task.run();
                    } else { // a slow callback: its effects (and its return) come later
                        time.schedule(task, (long) (callbackRandom.nextDouble() * callbackDelay[0]));
                    }
                })
                .random(new Random(random.nextLong()))
                .onStartedLeading(leadership -> {
                    c.started++;
                    c.working = true;
                })
                .onStoppedLeading(() -> {
                    c.stopped++;
                    c.working = false;
                })
                .listener(new ElectorListener() {
                    @Override
                    public void onTransition(StateChange change) {
                        transition(c, change);
                    }

                    @Override
                    public void onLockCall(LockCall call) {
                        if (Boolean.getBoolean("leasehold.sim.traceWrites")) {
                            trace.add(String.format("%.3fs %s %s %s term %d", time.now() / 1e9, c, call.kind(),
                                    call.outcome(), call.term()));
                        }
                    }
                })
                .build();
        c.elector.start();
        return c;
    }

    private void transition(Candidate c, StateChange change) {
        trace.add(String.format("%.3fs %s %s->%s term %d (%s)", time.now() / 1e9, c, change.from(), change.to(),
                change.term(), change.reason()));
        ledger.transition(c, change);
    }

    private void disturb() {
        Candidate c = candidates.get(random.nextInt(candidates.size()));
        Faults f = c.lock.faults();
        int kind = random.nextInt(admin ? 21 : 17);
        if (kind >= 17 && time.now() - lastWriteAt < chaosLatency.multipliedBy(2).plusMillis(10).toNanos()) {
            return; // the administrator acts on a settled lock: every candidate not cut off has seen its record
        }
        if (kind >= 3 && kind <= 13 && kind != 4 && kind != 5) {
            c.faulted = true;
        }
        switch (kind) {
            case 0 -> c.crash();
            case 1 -> restart(c);
            case 2 -> {
                c.closed = true;
                c.elector.closeAsync();
            }
            case 3 -> c.partition(true, random.nextBoolean());
            case 4 -> c.partition(false, false);
            case 5 -> resign(c);
            case 6 -> f.errorRate = random.nextDouble() * 0.5;
            case 7 -> f.lostResponseRate = random.nextDouble() * 0.3;
            case 8 -> f.hangRate = random.nextDouble() * 0.2;
            case 9 -> f.dropNotificationRate = random.nextDouble();
            case 10 -> f.spuriousConflictRate = random.nextDouble() * 0.3;
            case 11 -> f.notificationDelay = Duration.ofNanos((long) (random.nextDouble()
                    * maxNotificationDelay.toNanos()));
            case 12 -> f.lateApplyRate = random.nextDouble() * 0.2;
            case 13 -> twin(c);
            case 17 -> {
                trace.add(String.format("%.3fs admin deletes the lock", time.now() / 1e9));
                ledger.reset(time.now(), lease.toNanos(), candidates);
                store.delete();
            }
            case 18 -> restore(false);
            case 19 -> restore(true);
            case 20 -> {
                trace.add(String.format("%.3fs a foreign client takes the lock", time.now() / 1e9));
                long term = store.record().map(LeaderElectionRecord::leaderTransitions).orElse(0L) + 1;
                store.overwrite(new LeaderElectionRecord("intruder", lease, Optional.of(time.clock().wallTime()),
                        Optional.empty(), term, Optional.empty()));
            }
            default -> f.heal(Duration.ofMillis(1 + random.nextInt((int) chaosLatency.toMillis() + 1)));
        }
    }

    /** The leader gives up (sometimes naming a successor) and competes again after a back-off. */
    private void resign(Candidate c) {
        if (!c.leads()) {
            return;
        }
        Duration backoff = Duration.ofMillis(random.nextInt((int) lease.toMillis()));
        boolean named = random.nextBoolean();
        String next = candidates.get(random.nextInt(candidates.size())).identity;
        trace.add(String.format("%.3fs %s resigns%s", time.now() / 1e9, c, named ? " for " + next : ""));
        if (named) {
            c.elector.resign(backoff, next);
        } else {
            c.elector.resign(backoff);
        }
    }

    /** What a candidate launched now runs on, by rollout step. */
    private String rolloutKind() {
        return switch (phase) {
            case 0 -> random.nextBoolean() ? "primary" : "multi";
            case 1 -> "multi";
            default -> random.nextBoolean() ? "multi" : "secondary";
        };
    }

    /**
     * Moves the rollout on: a step never leaves a candidate on the primary alone while others use the secondary
     * alone. Candidates of a kind the new step no longer allows are replaced (a rolling restart).
     */
    private void advanceRollout(int step) {
        while (phase < Math.min(step, 2)) {
            if (phase == 1 && !secondaryCaughtUp()) {
                return; // as MultiLock's documentation says: step 3 once a multi-lock leader wrote the secondary
            }
            phase++;
            trace.add(String.format("%.3fs the rollout reaches step %d", time.now() / 1e9, phase));
            for (Candidate c : List.copyOf(candidates)) {
                if (c.alive() && c.kind.equals(phase == 1 ? "primary" : "none")) {
                    c.closed = true;
                    c.elector.closeAsync();
                    replace(c, launch(c.identity, admin || random.nextBoolean()));
                }
            }
        }
    }

    /** True once the secondary carries a term at least as high as the primary's. */
    private boolean secondaryCaughtUp() {
        long primary = store.record().map(LeaderElectionRecord::leaderTransitions).orElse(0L);
        return secondaryStore.record().map(LeaderElectionRecord::leaderTransitions).orElse(-1L) >= primary;
    }

    /** A second live process with the identity of {@code c} (a misconfigured deployment), at most six in all. */
    private void twin(Candidate c) {
        if (candidates.size() < 6) {
            trace.add(String.format("%.3fs a twin of %s starts", time.now() / 1e9, c));
            candidates.add(launch(c.identity, admin || random.nextBoolean()));
        }
    }

    /** An administrator restores an old record (as a new write), or the API server rolls back (old version). */
    private void restore(boolean rollback) {
        if (history.isEmpty()) {
            return;
        }
        LockSnapshot old = history.get(random.nextInt(history.size()));
        trace.add(String.format("%.3fs %s to %s", time.now() / 1e9, rollback ? "API server rolls back"
                : "admin restores a record", old));
        ledger.reset(time.now(), lease.toNanos(), candidates);
        if (rollback) {
            store.rollback(old);
        } else {
            old.record().ifPresent(store::overwrite);
        }
    }

    private void restart(Candidate c) {
        if (c.alive()) {
            return;
        }
        // where the lock may be deleted or restored, a restarted process waits one lease first, as the elector's
        // documentation tells users to (a fresh process cannot know a cut-off leader still works)
        replace(c, launch(c.identity, admin || random.nextBoolean()));
    }

    private void replace(Candidate old, Candidate next) {
        candidates.set(candidates.indexOf(old), next);
        retired.add(old);
    }

    /** Heals everything, restarts the dead, and requires a leader within leaseDuration + 2 × retryPeriod. */
    private void calm() {
        for (Candidate c : List.copyOf(candidates)) {
            if (c.alive()) {
                c.partition(false, false);
                c.lock.faults().heal(calmLatency);
            } else {
                restart(c);
            }
        }
        candidates.forEach(c -> c.lock.faults().heal(calmLatency));
        // calls sent during chaos land within 2 × chaosLatency, late writes and held-back notifications later
        time.runFor(chaosLatency.multipliedBy(2).plus(renewDeadline).plus(maxNotificationDelay));
        long healed = time.now();
        // a candidate restarted with an initial wait may be the only one left: it waits one lease first
        long bound = (long) (lease.toNanos() * (1 + DRIFT)) * 2 + 2 * retry.toNanos();
        long leaderAt = -1;
        while (time.now() - healed <= bound) {
            if (candidates.stream().anyMatch(Candidate::leads)) {
                leaderAt = time.now();
                break;
            }
            time.runFor(Duration.ofMillis(10));
        }
        require(leaderAt >= 0, "no leader within " + Duration.ofNanos(bound) + " after the faults healed");
        time.runFor(lease.multipliedBy(3));
        long leaders = candidates.stream().filter(Candidate::leads).count();
        require(leaders == 1, leaders + " leaders after a calm period of 3 lease durations");
        for (Candidate c : candidates) {
            c.closed = true;
            c.elector.closeAsync();
        }
        time.runFor(lease.multipliedBy(2));
        for (Candidate c : candidates) {
            require(c.isStopped(), c + " did not stop after close");
            require(c.started == c.stopped, c + " started " + c.started + " times but stopped " + c.stopped
                    + " times");
        }
        // in a migration the object that decides is released; the other may keep a multi-lock's half-done write
        InMemoryLockStore deciding = migration && phase == 2 ? secondaryStore : store;
        require(deciding.record().map(r -> r.isReleased()).orElse(true), "the lock " + deciding.name()
                + " is not released after all candidates closed: " + deciding.record());
    }

    private void checkSafety() {
        int leaders = 0;
        for (Candidate c : candidates) {
            if (c.leads()) {
                leaders++;
            }
            if (!c.crashed) {
                require(c.stopped <= c.started && c.started <= c.stopped + 1, c + " started " + c.started
                        + " and stopped " + c.stopped);
            }
        }
        if (leaders > 1 && !documentedLimit(candidates.stream().filter(Candidate::leads).toList())) {
            require(false, leaders + " candidates hold a valid leadership at once: " + candidates.stream()
                    .filter(Candidate::leads).map(c -> c + " term " + c.elector.leadership().orElseThrow().term()
                            + (c.faulted ? " (faulted)" : "")).toList());
        }
        List<Candidate> working = java.util.stream.Stream.concat(candidates.stream(), retired.stream())
                .filter(Candidate::works).toList();
        require(working.size() <= 1 || documentedLimit(working), "leader work windows overlap: " + working);
    }

    /**
     * The one case the elector cannot protect (see LeaderElector's limits): after the lock was deleted or
     * restored, a candidate that could not see the old holder's record (cut off, fed faults, or just started).
     */
    private boolean documentedLimit(List<Candidate> overlapping) {
        boolean limit = ledger.hadReset() && overlapping.stream().anyMatch(c -> c.fresh || c.faulted);
        if (limit && !inLimit) {
            limitOverlaps++;
        }
        inLimit = limit;
        return limit;
    }

    /** How many times two leaders (or work windows) overlapped within the documented limit. */
    int limitOverlaps() {
        return limitOverlaps;
    }

    boolean adminFaults() {
        return admin;
    }

    private void require(boolean ok, String what) {
        if (!ok) {
            int from = Math.max(0, trace.size() - Integer.getInteger("leasehold.sim.traceLines", 15));
            throw new AssertionError("seed " + seed + " (" + lease.toMillis() + "/" + renewDeadline.toMillis()
                    + "/" + retry.toMillis() + " ms" + (admin ? ", admin faults" : "") + ") at " + time.elapsed()
                    + ": " + what
                    + "\nreplay: ./mvnw -pl core test -Dtest=SimulationTest -Dleasehold.sim.seed=" + seed
                    + "\nlast transitions:\n  " + String.join("\n  ", trace.subList(from, trace.size())));
        }
    }
}
