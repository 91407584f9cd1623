package dev.leasehold.core.sim;

import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.StateChange;
import dev.leasehold.core.testing.Faults;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import dev.leasehold.core.testing.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One seeded schedule: 3 to 5 candidates on one lock, a chaos phase of crashes, restarts, graceful closes,
 * partitions, API errors, lost answers, hangs, slow calls and dropped notifications, each candidate's clock
 * running at its own rate (within {@link #DRIFT}), then a calm phase. Invariants are checked after every task.
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
    private final List<Candidate> candidates = new ArrayList<>();
    private final Duration lease;
    private final Duration renewDeadline;
    private final Duration retry;
    private final Duration chaosLatency;
    private final Duration calmLatency = Duration.ofMillis(5);
    private long lastTerm;
    private String lastTermHolder = "";
    private final List<String> trace = new ArrayList<>();

    Scenario(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        Duration[] timing = TIMINGS[random.nextInt(TIMINGS.length)];
        lease = timing[0];
        renewDeadline = timing[1];
        retry = timing[2];
        // half the schedules run a near-instant network, where drift alone decides races
        chaosLatency = random.nextBoolean() ? Duration.ofMillis(2) : retry.dividedBy(2 + random.nextInt(4));
    }

    /** Runs the schedule; returns virtual time simulated. Throws {@link AssertionError} naming the seed. */
    Duration run() {
        time.afterEachTask(this::checkSafety);
        int n = 3 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            candidates.add(launch("c" + i));
        }
        Duration chaos = Duration.ofSeconds(60 + random.nextInt(240));
        long chaosEnd = time.now() + chaos.toNanos();
        while (time.now() < chaosEnd) {
            time.runFor(Duration.ofMillis(200 + random.nextInt((int) lease.toMillis())));
            disturb();
        }
        calm();
        return time.elapsed();
    }

    private Candidate launch(String identity) {
        // clocks at the extremes of the drift bound half the time, anywhere within it otherwise
        double rate = 1 + (random.nextBoolean() ? (random.nextBoolean() ? 1 : -1) : random.nextDouble() * 2 - 1)
                * DRIFT;
        VirtualScheduler.Clock clock = time.clock(rate, random.nextLong() >> 8);
        Faults faults = new Faults().latency(Duration.ofMillis(1), chaosLatency);
        InMemoryLock lock = new InMemoryLock(store, identity, faults, time, new Random(random.nextLong()));
        Candidate[] self = new Candidate[1];
        LeaderElector elector = LeaderElector.builder()
                .lock(lock)
                .leaseDuration(lease)
                .renewDeadline(renewDeadline)
                .retryPeriod(retry)
                .maxClockDrift(DRIFT)
                .scheduler(clock)
                .callbackExecutor(Runnable::run)
                .random(new Random(random.nextLong()))
                .onStartedLeading(leadership -> self[0].started++)
                .onStoppedLeading(() -> self[0].stopped++)
                .listener(this::transition)
                .build();
        self[0] = new Candidate(identity, clock, lock, elector);
        elector.start();
        return self[0];
    }

    private void transition(StateChange change) {
        trace.add(String.format("%.3fs %s %s->%s term %d (%s)", time.now() / 1e9, change.identity(),
                change.from(), change.to(), change.term(), change.reason()));
        if (change.to() == ElectorState.LEADING) {
            require(change.term() > lastTerm, "term " + change.term() + " of " + change.identity()
                    + " does not exceed the previous term " + lastTerm + " of " + lastTermHolder);
            lastTerm = change.term();
            lastTermHolder = change.identity();
        }
    }

    private void disturb() {
        Candidate c = candidates.get(random.nextInt(candidates.size()));
        Faults f = c.lock.faults();
        switch (random.nextInt(12)) {
            case 0 -> c.crash();
            case 1 -> restart(c);
            case 2 -> {
                c.closed = true;
                c.elector.closeAsync();
            }
            case 3 -> c.lock.partition(true, random.nextBoolean());
            case 4, 5 -> c.lock.partition(false, false);
            case 6 -> f.errorRate = random.nextDouble() * 0.5;
            case 7 -> f.lostResponseRate = random.nextDouble() * 0.3;
            case 8 -> f.hangRate = random.nextDouble() * 0.2;
            case 9 -> f.dropNotificationRate = random.nextDouble();
            case 10 -> f.spuriousConflictRate = random.nextDouble() * 0.3;
            default -> f.heal(Duration.ofMillis(1 + random.nextInt((int) chaosLatency.toMillis() + 1)));
        }
    }

    private void restart(Candidate c) {
        if (c.alive()) {
            return;
        }
        candidates.set(candidates.indexOf(c), launch(c.identity));
    }

    /** Heals everything, restarts the dead, and requires a leader within leaseDuration + 2 × retryPeriod. */
    private void calm() {
        for (Candidate c : List.copyOf(candidates)) {
            if (c.alive()) {
                c.lock.partition(false, false);
                c.lock.faults().heal(calmLatency);
            } else {
                restart(c);
            }
        }
        candidates.forEach(c -> c.lock.faults().heal(calmLatency));
        // calls sent during chaos land within 2 × chaosLatency; count from then
        time.runFor(chaosLatency.multipliedBy(2));
        long healed = time.now();
        long bound = (long) (lease.toNanos() * (1 + DRIFT)) + 2 * retry.toNanos();
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
        time.runFor(lease);
        for (Candidate c : candidates) {
            require(c.isStopped(), c.identity + " did not stop after close");
            require(c.started == c.stopped, c.identity + " started " + c.started + " times but stopped "
                    + c.stopped + " times");
        }
        require(store.record().map(r -> r.isReleased()).orElse(true), "the lock is not released after all "
                + "candidates closed: " + store.record());
    }

    private void checkSafety() {
        int leaders = 0;
        for (Candidate c : candidates) {
            if (c.leads()) {
                leaders++;
            }
            if (!c.crashed) {
                require(c.stopped <= c.started && c.started <= c.stopped + 1, c.identity + " started "
                        + c.started + " and stopped " + c.stopped);
            }
        }
        require(leaders <= 1, leaders + " candidates hold a valid leadership at once");
    }

    private void require(boolean ok, String what) {
        if (!ok) {
            int from = Math.max(0, trace.size() - 15);
            throw new AssertionError("seed " + seed + " (" + lease.toMillis() + "/" + renewDeadline.toMillis()
                    + "/" + retry.toMillis() + " ms) at " + time.elapsed() + ": " + what
                    + "\nreplay: ./mvnw -pl core test -Dtest=SimulationTest -Dleasehold.sim.seed=" + seed
                    + "\nlast transitions:\n  " + String.join("\n  ", trace.subList(from, trace.size())));
        }
    }
}
