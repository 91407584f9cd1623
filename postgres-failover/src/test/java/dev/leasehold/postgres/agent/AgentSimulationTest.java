package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded schedules of faults against {@link SimCluster} (the real {@link Decider} on a model of PostgreSQL and
 * the API server, virtual time): crashes, restarts, PostgreSQL killed or hung under a living agent, members cut
 * off from the API server; in every other schedule the API-outage failsafe is on, and the faults add agent-to-agent
 * HTTP links cut and healed, a member that cannot be asked, partitions, the primary alone cut from the API server
 * and long stretches with every member cut from it. After every tick: never two members accepting writes, never a
 * write acknowledged longer than the fence window after its member's term (or failsafe window) ended, never a
 * promotion from outside the published lineage or beyond {@code maximumLagOnFailover}; once the faults heal, a
 * primary within a bound. A failure prints its seed; replay one with {@code -Dleasehold.agent.sim.seed=N}.
 */
class AgentSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("leasehold.agent.sim.schedules", 1_000);

    /** Counts over the failsafe schedules. */
    private static final class Tally {
        long schedules;
        long outages;
        long survived;
        long promises;
        long rounds;
    }

    @Test
    void seededSchedulesKeepOneWritablePrimaryAndRecover() {
        Long only = Long.getLong("leasehold.agent.sim.seed");
        long promotions = 0;
        long lost = 0;
        Tally tally = new Tally();
        List<AssertionError> failed = new ArrayList<>();
        long first = only != null ? only : 1;
        long last = only != null ? only : SCHEDULES;
        for (long seed = first; seed <= last; seed++) {
            boolean failsafe = seed % 2 == 0;
            SimCluster c = new SimCluster(seed, 3 + (int) (seed % 3), failsafe);
            try {
                run(c, new SplittableRandom(seed * 31 + 7), tally);
            } catch (AssertionError e) {
                failed.add(replay(seed, c, e));
                continue; // the other schedules still run: the report lists every seed that failed
            }
            promotions += c.promotions;
            lost += c.lostAsync;
            if (failsafe) {
                tally.schedules++;
                tally.promises += c.promises;
                tally.rounds += c.roundsConfirmed;
            }
        }
        System.out.printf("agent simulation: %d schedules, %d promotions, %d acknowledged writes lost to "
                + "asynchronous replication%n", last - first + 1, promotions, lost);
        System.out.printf("agent simulation: %d schedules with the failsafe, %d outages of every member's API "
                + "access, %d survived writable by the same primary, %d promises made, %d rounds confirmed%n",
                tally.schedules, tally.outages, tally.survived, tally.promises, tally.rounds);
        if (!failed.isEmpty()) {
            AssertionError e = new AssertionError(failed.size() + " schedules failed: " + failed.stream()
                    .map(f -> f.getMessage().substring(0, f.getMessage().indexOf(" failed"))).toList() + "; the first: "
                    + failed.get(0).getMessage(), failed.get(0));
            failed.stream().skip(1).limit(20).forEach(e::addSuppressed);
            throw e;
        }
        assertThat(promotions).isGreaterThan(last - first);
        if (only == null) {
            assertThat(tally.promises).as("promises made").isGreaterThan(tally.schedules);
            assertThat(tally.survived).as("outages survived writable").isGreaterThan(0);
        }
    }

    /**
     * With every member cut from the API server but every HTTP link up, the primary keeps accepting writes (its
     * members' promises) until {@code failsafeLimit} draws near, is fenced by the limit, and once the API server
     * is back the cluster has one primary again.
     */
    @Test
    void failsafeKeepsThePrimaryWritableThroughAnOutageOfEveryMemberUpToTheLimit() {
        int runs = Math.max(20, SCHEDULES / 10);
        long kept = 0;
        for (long seed = 1; seed <= runs; seed++) {
            SimCluster c = new SimCluster(seed, 3 + (int) (seed % 3), true);
            SplittableRandom r = new SplittableRandom(seed * 17 + 3);
            try {
                kept += outage(c, r);
            } catch (AssertionError e) {
                throw replay(seed, c, e);
            }
        }
        System.out.printf("agent simulation: %d outages of every member's API access with the failsafe, %d ticks"
                + " writable during them%n", runs, kept);
    }

    /**
     * A member's promise lives in its agent's memory: a member that promised, restarted and reached the API server
     * again takes an expired Lease {@code leaseDuration} after it starts. With {@code failsafeWindow} at most
     * {@code leaseDuration} (AgentConfig's rule) the primary is fenced before that; with a window of 2.5 lease
     * durations the simulation finds two writable primaries, which is why AgentConfig refuses such a window.
     */
    @Test
    void aMemberRestartedDuringItsPromiseTakesOverOnlyAfterThePrimaryWasFenced() {
        int runs = Math.max(20, SCHEDULES / 10);
        for (long seed = 1; seed <= runs; seed++) {
            SimCluster c = new SimCluster(seed, 3 + (int) (seed % 3), true);
            try {
                restartDuringPromise(c, new SplittableRandom(seed * 13 + 5));
            } catch (AssertionError e) {
                throw replay(seed, c, e);
            }
        }
        long splitBrains = 0;
        for (long seed = 1; seed <= runs; seed++) {
            SimCluster c = new SimCluster(seed, 3 + (int) (seed % 3), true, SimCluster.LEASE * 5 / 2);
            try {
                restartDuringPromise(c, new SplittableRandom(seed * 13 + 5));
            } catch (AssertionError e) {
                if (!e.getMessage().contains(": two ")) { // two members accept writes, two servers run as primary
                    throw replay(seed, c, e);
                }
                splitBrains++;
            }
        }
        System.out.printf("agent simulation: a member restarted during its promise: %d runs with failsafeWindow ="
                + " leaseDuration kept one primary; with 2.5 × leaseDuration %d of %d broke%n", runs, splitBrains, runs);
        assertThat(splitBrains).as("runs with a window longer than leaseDuration that the simulation caught")
                .isGreaterThan(0);
    }

    private static void restartDuringPromise(SimCluster c, SplittableRandom r) {
        steps(c, 200);
        SimCluster.M primary = c.writable().orElseThrow(() -> new AssertionError("no primary after bootstrap"));
        c.members.forEach(m -> c.cut(m, true));
        SimCluster.M x = c.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
        while (x.barrier.running().isEmpty() && c.now < 230_000) {
            c.step();
        }
        assertThat(x.barrier.running()).as("%s promised %s", x.name, primary.name).isPresent();
        steps(c, r.nextInt(60));
        c.crash(x);
        c.step();
        c.restartAgent(x);
        c.cut(x, false);
        steps(c, 400);
        c.members.forEach(m -> c.cut(m, false));
        awaitPrimary(c);
    }

    private static long outage(SimCluster c, SplittableRandom r) {
        steps(c, 200);
        SimCluster.M primary = c.writable().orElseThrow(() -> new AssertionError("no primary after bootstrap"));
        long cut = c.now;
        long length = r.nextLong(50, 500) * SimCluster.TICK;
        c.members.forEach(m -> c.cut(m, true));
        // the stint starts at the first confirmed round (after the cut); the limit runs on the primary's clock,
        // and the members' promises stop new commits holdCommitsBelow before it
        long keptUntil = cut + (long) (SimCluster.FS_LIMIT * (1 - SimCluster.DRIFT))
                - (SimCluster.RENEW - 2 * SimCluster.RETRY) - 2 * SimCluster.TICK;
        long fencedBy = cut + SimCluster.RETRY * 11 / 10 + (long) (SimCluster.FS_LIMIT * (1 + SimCluster.DRIFT))
                + 2 * SimCluster.FENCE_TIMEOUT + SimCluster.RETRY;
        long kept = 0;
        while (c.now < cut + length) {
            c.step();
            if (c.now <= keptUntil) {
                assertThat(c.writable()).as("t=%d: %s writable under the failsafe (every member cut since %d)",
                        c.now, primary.name, cut).contains(primary);
                kept++;
            }
            if (c.now >= fencedBy) {
                assertThat(primary.accepts()).as("t=%d: %s fenced at failsafeLimit (cut since %d)", c.now,
                        primary.name, cut).isFalse();
            }
        }
        c.members.forEach(m -> c.cut(m, false));
        awaitPrimary(c);
        steps(c, 50);
        return kept;
    }

    private static void run(SimCluster c, SplittableRandom faults, Tally tally) {
        // 20 s to settle, then 60 s of faults, then 40 s to heal and recover
        steps(c, 200);
        assertThat(c.hasPrimary()).as("a primary after bootstrap").isTrue();
        int allCutUntil = -1;
        Optional<SimCluster.M> keptThrough = Optional.empty();
        for (int i = 0; i < 600; i++) {
            if (i == allCutUntil) {
                allCutUntil = -1;
                c.members.forEach(m -> c.cut(m, false));
                if (keptThrough.isPresent()) {
                    tally.survived++;
                }
            }
            if (faults.nextInt(40) == 0) {
                SimCluster.M m = c.member(faults.nextInt(c.members.size()));
                switch (faults.nextInt(c.failsafe ? 11 : 6)) {
                    case 0 -> c.crash(m);
                    case 1 -> {
                        if (!m.agentUp) {
                            c.restartAgent(m);
                        }
                    }
                    case 2 -> c.killPostgres(m);
                    case 3 -> c.hang(m, !m.hung);
                    case 4 -> c.cut(m, m.reachable);
                    case 6 -> c.cutHttp(m, c.member(faults.nextInt(c.members.size())), !faults.nextBoolean());
                    case 7 -> { // a member that cannot be asked, or asked again
                        boolean off = faults.nextBoolean();
                        c.members.forEach(o -> c.cutHttp(m, o, off));
                    }
                    case 8 -> { // a partition of the HTTP links; the API server as it was
                        long side = faults.nextLong();
                        for (SimCluster.M a : c.members) {
                            for (SimCluster.M b : c.members) {
                                c.cutHttp(a, b, (side >> a.index & 1) != (side >> b.index & 1));
                            }
                        }
                    }
                    case 9 -> { // every member cut from the API server for a long stretch
                        if (allCutUntil < 0) {
                            allCutUntil = i + 50 + faults.nextInt(400);
                            c.members.forEach(o -> c.cut(o, true));
                            tally.outages++;
                            keptThrough = c.writable();
                        }
                    }
                    case 10 -> c.writable().ifPresent(p -> c.cut(p, true)); // the primary alone
                    default -> { }
                }
            }
            c.step();
            if (allCutUntil >= 0 && keptThrough.isPresent() && !keptThrough.get().accepts()) {
                keptThrough = Optional.empty();
            }
        }
        for (SimCluster.M m : c.members) {
            if (!m.reachable) {
                c.cut(m, false);
            }
            if (m.hung) {
                c.hang(m, false);
            }
            if (!m.agentUp) {
                c.restartAgent(m);
            }
            c.members.forEach(o -> c.cutHttp(m, o, false));
        }
        awaitPrimary(c);
        steps(c, 50);
    }

    private static void awaitPrimary(SimCluster c) {
        long healed = c.now;
        while (!c.hasPrimary()) {
            if (c.now - healed > 60_000) {
                throw new AssertionError("no primary 60 s after the faults healed");
            }
            c.step();
        }
    }

    private static void steps(SimCluster c, int n) {
        for (int i = 0; i < n; i++) {
            c.step();
        }
    }

    private static AssertionError replay(long seed, SimCluster c, AssertionError e) {
        String trace = String.join("\n  ", c.trace.subList(Math.max(0, c.trace.size() - 40), c.trace.size()));
        return new AssertionError("seed " + seed + " failed (replay: -Dleasehold.agent.sim.seed=" + seed
                + ", failsafe " + (c.failsafe ? "on" : "off") + "): " + e.getMessage() + "\n  " + trace, e);
    }
}
