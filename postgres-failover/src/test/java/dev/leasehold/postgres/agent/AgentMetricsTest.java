package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The listener half of {@link AgentMetrics}: fences, promotions by reason, switchovers and rejoins are counted. */
class AgentMetricsTest {

    @Test
    void listenerCallsBecomeMeterValuesOnEveryBoundRegistry() {
        SimpleMeterRegistry one = new SimpleMeterRegistry();
        SimpleMeterRegistry two = new SimpleMeterRegistry();
        try (AgentMetrics metrics = new AgentMetrics()) {
            metrics.bindTo(one);
            metrics.bindTo(two);
            metrics.onFenced(Duration.ofMillis(150), "term 3 is no longer valid");
            metrics.onFenced(Duration.ofMillis(50), "agent closing");
            metrics.onPromoted(4, "failover");
            metrics.onSwitchover("pg-0", "pg-1", Duration.ofSeconds(2));
            metrics.onRejoined("REWOUND");
            for (SimpleMeterRegistry r : new SimpleMeterRegistry[] {one, two}) {
                assertThat(r.get(AgentMetrics.FENCES).timer().count()).isEqualTo(2);
                assertThat(r.get(AgentMetrics.FENCES).timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
                        .isEqualTo(200);
                assertThat(r.get(AgentMetrics.PROMOTIONS).tag("reason", "failover").counter().count()).isEqualTo(1);
                assertThat(r.get(AgentMetrics.PROMOTIONS).tag("reason", "bootstrap").counter().count()).isZero();
                assertThat(r.get(AgentMetrics.SWITCHOVERS).timer().count()).isEqualTo(1);
                assertThat(r.get(AgentMetrics.REJOINS).counter().count()).isEqualTo(1);
                // no agent attached yet: the gauges say "unknown", not a made-up zero
                assertThat(r.get(AgentMetrics.TIMELINE).gauge().value()).isNaN();
            }
            metrics.close();
            assertThat(one.find(AgentMetrics.FENCES).timer()).isNull();
        }
    }
}
