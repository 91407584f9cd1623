package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded schedules of faults against {@link SimCluster} (the real {@link Decider} on a model of PostgreSQL and
 * the API server, virtual time): crashes, restarts, PostgreSQL killed or hung under a living agent, members cut
 * off from the API server. After every tick: never two members accepting writes, never a write acknowledged
 * longer than the fence window after its member's term ended, never a promotion from outside the published
 * lineage or beyond {@code maximumLagOnFailover}; once the faults heal, a primary within a bound. A failure
 * prints its seed; replay one with {@code -Dleasehold.agent.sim.seed=N}.
 */
class AgentSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("leasehold.agent.sim.schedules", 1_000);

    @Test
    void seededSchedulesKeepOneWritablePrimaryAndRecover() {
        Long only = Long.getLong("leasehold.agent.sim.seed");
        long promotions = 0;
        long lost = 0;
        long first = only != null ? only : 1;
        long last = only != null ? only : SCHEDULES;
        for (long seed = first; seed <= last; seed++) {
            SimCluster c = new SimCluster(seed, 3 + (int) (seed % 3));
            try {
                run(c, new SplittableRandom(seed * 31 + 7));
            } catch (AssertionError e) {
                String trace = String.join("\n  ", c.trace.subList(Math.max(0, c.trace.size() - 40), c.trace.size()));
                throw new AssertionError("seed " + seed + " failed (replay: -Dleasehold.agent.sim.seed=" + seed
                        + "): " + e.getMessage() + "\n  " + trace, e);
            }
            promotions += c.promotions;
            lost += c.lostAsync;
        }
        System.out.printf("agent simulation: %d schedules, %d promotions, %d acknowledged writes lost to "
                + "asynchronous replication%n", last - first + 1, promotions, lost);
        assertThat(promotions).isGreaterThan(last - first);
    }

    private static void run(SimCluster c, SplittableRandom faults) {
        // 20 s to settle, then 60 s of faults, then 40 s to heal and recover
        for (int i = 0; i < 200; i++) {
            c.step();
        }
        assertThat(c.hasPrimary()).as("a primary after bootstrap").isTrue();
        for (int i = 0; i < 600; i++) {
            if (faults.nextInt(40) == 0) {
                SimCluster.M m = c.member(faults.nextInt(c.members.size()));
                switch (faults.nextInt(6)) {
                    case 0 -> c.crash(m);
                    case 1 -> {
                        if (!m.agentUp) {
                            c.restartAgent(m);
                        }
                    }
                    case 2 -> c.killPostgres(m);
                    case 3 -> c.hang(m, !m.hung);
                    case 4 -> c.cut(m, m.reachable);
                    default -> { }
                }
            }
            c.step();
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
        }
        long healed = c.now;
        while (!c.hasPrimary()) {
            if (c.now - healed > 60_000) {
                throw new AssertionError("no primary 60 s after the faults healed");
            }
            c.step();
        }
        for (int i = 0; i < 50; i++) {
            c.step();
        }
    }
}
