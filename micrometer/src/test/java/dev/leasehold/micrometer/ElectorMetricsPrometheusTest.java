package dev.leasehold.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.lock.support.MockApi;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two electors on a Lease in fabric8's mock API server (CRUD mode, real HTTP), each scraped by its own
 * Prometheus registry: after the election and after a graceful handover.
 */
class ElectorMetricsPrometheusTest {

    private static final String LOCK = "lock=\"default/my-app\"";
    private static final String NAME = "name=\"my-app\"";

    private final MockApi api = new MockApi();
    private final List<LeaderElector> electors = new ArrayList<>();

    private record Member(LeaderElector elector, PrometheusMeterRegistry registry) {
        Scrape scrape() {
            return new Scrape(registry);
        }
    }

    @AfterEach
    void close() {
        electors.forEach(LeaderElector::close);
        api.close();
    }

    private Member member(String identity) {
        LeaseLock lock = LeaseLock.builder().client(api.client()).namespace("default").name("my-app")
                .identity(identity).build();
        ElectorMetrics metrics = ElectorMetrics.builder().lock("default/my-app").clientGoAliases("my-app").build();
        LeaderElector elector = LeaderElector.builder().lock(lock).listener(metrics)
                .leaseDuration(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(3))
                .retryPeriod(Duration.ofSeconds(1)).build();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.attach(elector).bindTo(registry);
        electors.add(elector);
        elector.start();
        return new Member(elector, registry);
    }

    @Test
    void scrapesFollowTheElectionAndTheHandover() {
        Member first = member("pod-0");
        await().atMost(Duration.ofSeconds(20)).until(first.elector()::isLeader);
        Member second = member("pod-1");
        await().atMost(Duration.ofSeconds(20)).until(() -> second.elector().currentLeader().isPresent());

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = first.scrape();
            assertThat(s.value("leasehold_elector_leader", LOCK)).isEqualTo(1);
            assertThat(s.value("leader_election_master_status", NAME)).isEqualTo(1);
            assertThat(s.value("leasehold_elector_transitions_total", LOCK)).isEqualTo(1);
            assertThat(s.value("leasehold_elector_lease_remaining_seconds", LOCK)).isGreaterThan(0)
                    .isLessThanOrEqualTo(3);
        });
        Scrape s2 = second.scrape();
        assertThat(s2.value("leasehold_elector_leader", LOCK)).isZero();
        assertThat(s2.value("leader_election_master_status", NAME)).isZero();
        assertThat(s2.value("leasehold_elector_transitions_total", LOCK)).isZero();
        assertThat(s2.value("leader_election_slowpath_total", NAME)).isZero();
        assertThat(s2.text()).contains("# TYPE leasehold_elector_renew_seconds summary",
                "# TYPE leasehold_elector_stepdowns_total counter", "# TYPE leader_election_master_status gauge");

        first.elector().close();
        await().atMost(Duration.ofSeconds(10)).until(second.elector()::isLeader);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = second.scrape();
            assertThat(s.value("leasehold_elector_leader", LOCK)).isEqualTo(1);
            assertThat(s.value("leader_election_master_status", NAME)).isEqualTo(1);
            assertThat(s.value("leasehold_elector_transitions_total", LOCK)).isEqualTo(1);
            assertThat(s.value("leasehold_elector_takeover_latency_seconds_count", LOCK)).isEqualTo(1);
        });
        Scrape s1 = first.scrape();
        assertThat(s1.value("leasehold_elector_leader", LOCK)).isZero();
        assertThat(s1.value("leader_election_master_status", NAME)).isZero();
        assertThat(s1.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"released\"")).isEqualTo(1);
        assertThat(s1.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"lost\"")).isZero();
        assertThat(s1.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"deadline\"")).isZero();
        assertThat(s1.value("leasehold_elector_lease_remaining_seconds", LOCK)).isZero();
    }
}
