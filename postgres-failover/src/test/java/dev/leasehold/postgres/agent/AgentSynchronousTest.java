package dev.leasehold.postgres.agent;

import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitPrimary;
import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitReplicaOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Synchronous mode with real servers and three agents on the mock API server (5/3/1). */
class AgentSynchronousTest {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSynchronousTest.class);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private static Optional<SyncSet> published(AgentFixture f) {
        String text = f.leaseAnnotations().get(SyncSet.ANNOTATION);
        return text == null ? Optional.empty() : Optional.of(SyncSet.read(text));
    }

    @Test
    void fiveCrashesUnderLoadInSynchronousModeLoseNoAcknowledgedCommit() throws Exception {
        try (AgentFixture f = new AgentFixture(3, b -> b.synchronousMode(true).synchronousCount(1))) {
            f.startAll();
            int p = awaitPrimary(f, -1);
            int cycles = 5; // each crashed member comes back (with Maven's binaries by a local copy) before the next
            try (WriteProbe load = new WriteProbe(f.pg, f.member(p))) {
                for (int cycle = 1; cycle <= cycles; cycle++) {
                    int primary = p;
                    for (int i = 0; i < 3; i++) {
                        if (i != primary) {
                            awaitReplicaOf(f, i, primary);
                        }
                    }
                    await().atMost(SETTLE).untilAsserted(() -> assertThat(published(f)).get()
                            .satisfies(s -> assertThat(s.members()).hasSize(2).doesNotContain("pg-" + primary))
                            .satisfies(s -> assertThat(s.count()).isEqualTo(1)));
                    int before = load.acksBy("pg-" + primary).size();
                    await().atMost(SETTLE).until(() -> load.acksBy("pg-" + primary).size() > before + 30);
                    long kill = System.nanoTime();
                    f.agents[primary].abandon();
                    f.pg.kill9(primary);
                    int q = awaitPrimary(f, primary);
                    await().atMost(SETTLE).until(() -> load.acksBy("pg-" + q).stream()
                            .filter(a -> a.sentNanos() >= kill).count() > 10);
                    Set<Long> onNew = WriteProbe.rowsOn(f.member(q));
                    long checked = load.acksBy("pg-" + primary).stream()
                            .peek(a -> assertThat(onNew).as("cycle %d: write %d acknowledged by pg-%d, on pg-%d",
                                    a.id(), primary, q).contains(a.id()))
                            .count();
                    LOG.info("synchronous cycle {}: pg-{} killed, pg-{} primary with all {} of its acknowledged"
                            + " writes", cycle, primary, q, checked);
                    // each member is primary several times: compare this cycle's old and new primary only
                    assertThat(load.lastBy("pg-" + primary).orElseThrow().ackedNanos())
                            .as("cycle %d: pg-%d's last acknowledgement before pg-%d's first write", cycle, primary, q)
                            .isLessThan(load.firstAfter("pg-" + q, kill).orElseThrow().sentNanos());
                    f.start(primary); // comes back and rejoins
                    p = q;
                }
            }
        }
    }

    @Test
    void whenTheOnlySynchronousStandbyIsDownAndThePrimaryDiesNobodyPromotes() throws Exception {
        try (AgentFixture f = new AgentFixture(3, b -> b.synchronousMode(true).synchronousCount(1))) {
            f.start(0);
            await().atMost(SETTLE).until(() -> f.primary().orElse(-1) == 0);
            f.start(1);
            awaitReplicaOf(f, 1, 0);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(published(f)).get()
                    .satisfies(s -> assertThat(s.members()).containsExactly("pg-1")));
            // the only synchronous standby dies; the primary (not strict) goes asynchronous, saying so first
            f.agents[1].abandon();
            f.pg.kill9(1);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(published(f)).get()
                    .satisfies(s -> assertThat(s.empty()).isTrue()));
            try (WriteProbe load = new WriteProbe(f.pg, f.member(0))) {
                await().atMost(SETTLE).until(() -> load.acksBy("pg-0").size() > 20);
                f.agents[0].abandon();
                f.pg.kill9(0);
            }
            // pg-2 streamed all along, but nothing proves it holds every acknowledged commit
            f.start(2);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(f.agents[2].lastDecision()).get()
                    .satisfies(d -> assertThat(d.reason()).contains("synchronous set is empty")));
            Thread.sleep(AgentFixture.LEASE.multipliedBy(3).toMillis()); // long past expiry and every grace
            assertThat(f.primary()).as("nobody promotes").isEmpty();
            assertThat(f.agents[2].lastDecision().orElseThrow().mayAcquire()).isFalse();
            assertThat(f.get(2, "/status").body()).contains("synchronous set is empty");
            await().atMost(SETTLE).untilAsserted(() -> assertThat(f.admin.v1().events().inNamespace(AgentFixture.NS)
                    .list().getItems()).anySatisfy(e -> {
                        assertThat(e.getReason()).isEqualTo("FailoverBlocked");
                        assertThat(e.getInvolvedObject().getName()).isEqualTo("pg-2");
                        assertThat(e.getMessage()).contains("synchronous set is empty");
                    }));
        }
    }
}
