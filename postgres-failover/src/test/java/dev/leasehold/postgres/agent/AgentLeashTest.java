package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.Postmaster;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The agent keeps its server on the guard's leash: what a restarted or abandoned agent leaves running. */
class AgentLeashTest {
    static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void aRestartedAgentFirstStopsAServerLeftRunningWritable() {
        try (AgentFixture f = new AgentFixture(1)) {
            Path data = f.member(0).config().dataDir().orElseThrow();
            ProcessHandle orphan = Postmaster.pid(data).orElseThrow(); // a primary no agent holds a term for
            f.start(0);
            // stopped before Agent.start returns: before the elector, the loop or the guard process ran
            assertThat(Postmaster.alive(orphan)).as("the server left running writable").isFalse();
            await().atMost(BOUND).until(() -> f.agents[0].isWritablePrimary());
            assertThat(Postmaster.pid(data)).get().extracting(ProcessHandle::pid).isNotEqualTo(orphan.pid());
        }
    }

    @Test
    void aStandbyLeftRunningKeepsRunningUnderTheNewAgentsLeash() {
        try (AgentFixture f = new AgentFixture(2)) {
            Path data = f.member(1).config().dataDir().orElseThrow();
            ProcessHandle standby = Postmaster.pid(data).orElseThrow();
            f.start(1); // its start-up check runs before Agent.start returns
            assertThat(Postmaster.alive(standby)).as("the standby's server, in recovery all along").isTrue();
            await().atMost(BOUND).until(() -> f.agents[1].lease().holder().isPresent()
                    || f.agents[1].lastDecision().isPresent());
            assertThat(Postmaster.pid(data)).get().extracting(ProcessHandle::pid).isEqualTo(standby.pid());
        }
    }

    @Test
    void anAbandonedAgentsServerIsStoppedByItsGuardAtOnce() {
        try (AgentFixture f = new AgentFixture(1)) {
            f.start(0);
            await().atMost(BOUND).until(() -> f.agents[0].isWritablePrimary());
            ProcessHandle pm = Postmaster.pid(f.member(0).config().dataDir().orElseThrow()).orElseThrow();
            f.agents[0].abandon(); // as a crash of the agent's JVM: the guard sees its pipe close
            await().atMost(BOUND).until(() -> !Postmaster.alive(pm));
        }
    }

    @Test
    void withTheGuardOffAnAbandonedAgentLeavesItsServerRunning() {
        try (AgentFixture f = new AgentFixture(1, b -> b.guard(false))) {
            f.start(0);
            await().atMost(BOUND).until(() -> f.agents[0].isWritablePrimary());
            ProcessHandle pm = Postmaster.pid(f.member(0).config().dataDir().orElseThrow()).orElseThrow();
            f.agents[0].abandon();
            assertThat(Postmaster.alive(pm)).isTrue();
        }
    }
}
