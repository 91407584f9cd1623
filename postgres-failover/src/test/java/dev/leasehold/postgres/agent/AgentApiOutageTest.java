package dev.leasehold.postgres.agent;

import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitPrimary;
import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitReplicaOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.lock.support.FaultProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default API-server outage policy (only the renew deadline demotes; no failsafe) with real servers, three
 * agents (5/3/1), each behind its own fault proxy, and the write probe running throughout. The all-members outage
 * is scaled to 15 s (three lease durations) to keep the suite fast: what happens after the renew deadline does
 * not change with the outage's length.
 */
class AgentApiOutageTest {
    private static final Logger LOG = LoggerFactory.getLogger(AgentApiOutageTest.class);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Test
    void anOutageForEveryMemberFencesThePrimaryAtItsDeadlineNobodyPromotesAndThePrimaryReturnsAfter()
            throws Exception {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            int p = awaitPrimary(f, -1);
            try (WriteProbe load = new WriteProbe(f.pg, f.member(p))) {
                await().atMost(SETTLE).until(() -> load.acksBy("pg-" + p).size() > 20);
                long cut = System.nanoTime();
                for (FaultProxy proxy : f.proxies) {
                    proxy.mode(FaultProxy.Mode.BLACKHOLE);
                }
                long end = cut + AgentFixture.LEASE.multipliedBy(3).toNanos();
                while (System.nanoTime() < end) {
                    assertThat(f.primary().orElse(p)).as("no other member becomes primary").isEqualTo(p);
                    Thread.sleep(20);
                }
                assertThat(f.primary()).as("the primary fenced at its renew deadline").isEmpty();
                long deadline = cut + Duration.ofSeconds(3).toNanos(); // renewDeadline from a renew before the cut
                long heal = System.nanoTime();
                assertThat(load.acks()).as("acknowledgements between the renew deadline and the heal")
                        .noneMatch(a -> a.ackedNanos() > deadline && a.ackedNanos() < heal);
                LOG.info("all cut: pg-{}'s last acknowledgement {} ms after the cut", p,
                        (load.lastBy("pg-" + p).orElseThrow().ackedNanos() - cut) / 1_000_000);
                for (FaultProxy proxy : f.proxies) {
                    proxy.mode(FaultProxy.Mode.PASS);
                }
                int q = awaitPrimary(f, -1);
                await().atMost(SETTLE).until(() -> load.firstAfter("pg-" + q, heal).isPresent());
                LOG.info("all cut: healed, pg-{} primary", q);
            }
        }
    }

    @Test
    void replicasCutOffFromTheApiServerChangeNothing() throws Exception {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            int p = awaitPrimary(f, -1);
            for (int i = 0; i < 3; i++) {
                if (i != p) {
                    awaitReplicaOf(f, i, p);
                }
            }
            long term = f.agents[p].leadership().orElseThrow().term();
            try (WriteProbe load = new WriteProbe(f.pg, f.member(p))) {
                for (int i = 0; i < 3; i++) {
                    if (i != p) {
                        f.proxies[i].mode(FaultProxy.Mode.BLACKHOLE);
                    }
                }
                long cut = System.nanoTime();
                long end = cut + AgentFixture.LEASE.multipliedBy(2).toNanos();
                while (System.nanoTime() < end) {
                    assertThat(f.primary()).as("the primary stays, alone").contains(p);
                    Thread.sleep(20);
                }
                int before = load.acksBy("pg-" + p).size();
                await().atMost(SETTLE).until(() -> load.acksBy("pg-" + p).size() > before + 20);
                assertThat(f.agents[p].leadership().orElseThrow().term()).as("same term").isEqualTo(term);
                assertThat(load.overlaps()).isEmpty();
            }
        }
    }
}
