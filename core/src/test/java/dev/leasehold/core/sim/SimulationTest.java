package dev.leasehold.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deterministic simulation of the elector on virtual time. {@code -Dleasehold.sim.schedules=N} sets how many
 * seeded schedules run (default 1,000); {@code -Dleasehold.sim.seed=S} replays one.
 */
class SimulationTest {

    private static final Logger log = LoggerFactory.getLogger(SimulationTest.class);

    @Test
    void electionIsSafeAndLiveUnderFaults() {
        String replay = System.getProperty("leasehold.sim.seed");
        int schedules = Integer.getInteger("leasehold.sim.schedules", 1000);
        long first = Long.getLong("leasehold.sim.firstSeed", 1);
        long wallStart = System.nanoTime();
        Duration simulated = Duration.ZERO;
        int ran = 0;
        int admin = 0;
        int limitOverlaps = 0;
        long from = replay != null ? Long.parseLong(replay) : first;
        long to = replay != null ? from + 1 : first + schedules;
        for (long seed = from; seed < to; seed++) {
            Scenario scenario = new Scenario(seed);
            simulated = simulated.plus(scenario.run());
            ran++;
            admin += scenario.adminFaults() ? 1 : 0;
            limitOverlaps += scenario.limitOverlaps();
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - wallStart);
        String summary = String.format("SIMULATION schedules=%d with_admin_faults=%d virtual_hours=%.1f "
                + "wall_seconds=%.1f documented_limit_overlaps=%d", ran, admin, simulated.toMillis() / 3_600_000.0,
                wall.toMillis() / 1000.0, limitOverlaps);
        log.info(summary);
        System.out.println(summary);
        assertThat(ran).isEqualTo(replay != null ? 1 : schedules);
    }
}
