package dev.leasehold.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The meters of two candidates on virtual time, read from real Prometheus scrapes. */
class ElectorMetricsTest {

    private static final String LOCK = "lock=\"InMemoryLock fixture\"";

    private final ElectorFixture fixture = new ElectorFixture();

    /** A started candidate whose metrics are bound to its own Prometheus registry. */
    private record Instrumented(Candidate candidate, ElectorMetrics metrics, PrometheusMeterRegistry registry) {
        Scrape scrape() {
            return new Scrape(registry);
        }
    }

    private Instrumented candidate(String identity) {
        ElectorMetrics metrics = ElectorMetrics.builder().clientGoAliases("fixture").build();
        Candidate candidate = fixture.candidate(identity, true, b -> b.listener(metrics));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.attach(candidate.elector).bindTo(registry);
        return new Instrumented(candidate, metrics, registry);
    }

    @Test
    void scrapesTellTheElectionTheHandoverAndTheDeadlineStepDown() {
        Instrumented a = candidate("a");
        fixture.run(Duration.ofMillis(100));
        Instrumented b = candidate("b");
        fixture.run(Duration.ofSeconds(2));

        // election: a leads, b follows
        Scrape sa = a.scrape();
        assertThat(sa.value("leasehold_elector_leader", LOCK)).isEqualTo(1);
        assertThat(sa.value("leader_election_master_status", "name=\"fixture\"")).isEqualTo(1);
        assertThat(sa.value("leasehold_elector_transitions_total", LOCK)).isEqualTo(1);
        assertThat(sa.value("leasehold_elector_takeover_latency_seconds_count", LOCK)).isEqualTo(1);
        assertThat(sa.value("leasehold_elector_lease_remaining_seconds", LOCK)).isGreaterThan(0).isLessThanOrEqualTo(3);
        Scrape sb = b.scrape();
        assertThat(sb.value("leasehold_elector_leader", LOCK)).isZero();
        assertThat(sb.value("leader_election_master_status", "name=\"fixture\"")).isZero();
        assertThat(sb.value("leasehold_elector_transitions_total", LOCK)).isZero();
        assertThat(sb.value("leasehold_elector_lease_remaining_seconds", LOCK)).isZero();

        // handover: a closes and releases, b takes over
        a.candidate().elector.closeAsync();
        fixture.run(Duration.ofSeconds(1));
        sa = a.scrape();
        assertThat(sa.value("leasehold_elector_leader", LOCK)).isZero();
        assertThat(sa.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"released\"")).isEqualTo(1);
        assertThat(sa.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"deadline\"")).isZero();
        assertThat(sa.value("leasehold_elector_lease_remaining_seconds", LOCK)).isZero();
        sb = b.scrape();
        assertThat(sb.value("leasehold_elector_leader", LOCK)).isEqualTo(1);
        assertThat(sb.value("leasehold_elector_transitions_total", LOCK)).isEqualTo(1);

        // step-down: b is cut off from the lock and its renew deadline passes
        b.candidate().lock.partition(true, false);
        fixture.run(Duration.ofSeconds(5));
        sb = b.scrape();
        assertThat(sb.value("leasehold_elector_leader", LOCK)).isZero();
        assertThat(sb.value("leader_election_master_status", "name=\"fixture\"")).isZero();
        assertThat(sb.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"deadline\"")).isEqualTo(1);
        assertThat(sb.value("leasehold_elector_stepdowns_total", LOCK, "reason=\"released\"")).isZero();
        assertThat(sb.value("leasehold_elector_lease_remaining_seconds", LOCK)).isZero();
    }

    @Test
    void leaseRemainingCountsDownFromTheAcquisition() {
        Instrumented a = candidate("a");
        fixture.run(Duration.ofMillis(10));
        assertThat(a.candidate().elector.isLeader()).isTrue();
        double first = a.scrape().value("leasehold_elector_lease_remaining_seconds", LOCK);
        fixture.run(Duration.ofMillis(500));
        double later = a.scrape().value("leasehold_elector_lease_remaining_seconds", LOCK);
        assertThat(first).isCloseTo(3.0, org.assertj.core.data.Offset.offset(0.02));
        assertThat(later).isCloseTo(first - 0.5, org.assertj.core.data.Offset.offset(0.02));
    }

    @Test
    void leaseRemainingIsRefilledByEachRenew() {
        Instrumented a = candidate("a");
        fixture.run(Duration.ofSeconds(10));
        assertThat(a.candidate().elector.isLeader()).isTrue();
        // renews every second: never less than renewDeadline - retryPeriod - a few ms of calls and jitter
        assertThat(a.scrape().value("leasehold_elector_lease_remaining_seconds", LOCK)).isGreaterThan(1.5);
    }

    @Test
    void lockCallTimersCountAcquiresAndRenewsByOutcome() {
        Instrumented a = candidate("a");
        fixture.run(Duration.ofSeconds(10));
        a.candidate().lock.faults().spuriousConflictRate = 1.0;
        fixture.run(Duration.ofSeconds(2));
        Scrape s = a.scrape();
        assertThat(s.value("leasehold_elector_acquire_seconds_count", LOCK, "outcome=\"success\"")).isEqualTo(1);
        assertThat(s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"success\""))
                .isGreaterThanOrEqualTo(8);
        assertThat(s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"conflict\""))
                .isGreaterThanOrEqualTo(1);
        // each lock call takes 1 ms each way in the fixture
        assertThat(s.value("leasehold_elector_renew_seconds_max", LOCK, "outcome=\"success\"")).isGreaterThan(0);
        // client-go counts a renew that missed the fast path as a slow path
        assertThat(s.value("leader_election_slowpath_total", "name=\"fixture\""))
                .isEqualTo(s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"conflict\"")
                        + s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"error\"")
                        + s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"timeout\""));
    }

    @Test
    void takeoverLatencyIsTheNewLeadersDelayBeyondTheExpiry() {
        Instrumented a = candidate("a");
        fixture.run(Duration.ofMillis(100));
        Instrumented b = candidate("b");
        fixture.run(Duration.ofSeconds(2));
        a.candidate().crash();
        fixture.run(Duration.ofSeconds(6));
        Scrape sb = b.scrape();
        assertThat(sb.value("leasehold_elector_transitions_total", LOCK)).isEqualTo(1);
        assertThat(sb.value("leasehold_elector_takeover_latency_seconds_max", LOCK))
                .isGreaterThan(0).isLessThan(0.1);
    }

    @Test
    void lockCallsAreTimedByKindAndOutcome() {
        // fed directly, as core will: the timers and the slow-path alias do not depend on how calls arrive
        Instrumented a = candidate("a");
        fixture.run(Duration.ofMillis(10));
        ElectorMetrics m = a.metrics();
        java.time.Instant at = java.time.Instant.parse("2026-01-01T00:00:00Z");
        m.onLockCall(new dev.leasehold.core.LockCall("a", "x", dev.leasehold.core.LockCall.Kind.RENEW,
                dev.leasehold.core.LockCall.Outcome.SUCCESS, Duration.ofMillis(20), 1, at));
        m.onLockCall(new dev.leasehold.core.LockCall("a", "x", dev.leasehold.core.LockCall.Kind.RENEW,
                dev.leasehold.core.LockCall.Outcome.TIMEOUT, Duration.ofMillis(1000), 1, at));
        m.onLockCall(new dev.leasehold.core.LockCall("a", "x", dev.leasehold.core.LockCall.Kind.ACQUIRE,
                dev.leasehold.core.LockCall.Outcome.CONFLICT, Duration.ofMillis(5), 0, at));
        Scrape s = a.scrape();
        assertThat(s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"success\"")).isEqualTo(1);
        assertThat(s.value("leasehold_elector_renew_seconds_sum", LOCK, "outcome=\"success\"")).isEqualTo(0.02);
        assertThat(s.value("leasehold_elector_renew_seconds_count", LOCK, "outcome=\"timeout\"")).isEqualTo(1);
        assertThat(s.value("leasehold_elector_acquire_seconds_count", LOCK, "outcome=\"conflict\"")).isEqualTo(1);
        assertThat(s.value("leasehold_elector_release_seconds_count", LOCK, "outcome=\"success\"")).isZero();
        assertThat(s.value("leader_election_slowpath_total", "name=\"fixture\"")).isEqualTo(1);
    }

    @Test
    void closeRemovesTheMetersFromEveryRegistry() {
        ElectorMetrics metrics = ElectorMetrics.builder().lock("default/my-app").build();
        Candidate a = fixture.candidate("a", true, b -> b.listener(metrics));
        SimpleMeterRegistry one = new SimpleMeterRegistry();
        SimpleMeterRegistry two = new SimpleMeterRegistry();
        metrics.attach(a.elector);
        metrics.bindTo(one);
        metrics.bindTo(two);
        assertThat(one.find(ElectorMetrics.LEADER).tag("lock", "default/my-app").gauge()).isNotNull();
        assertThat(two.getMeters()).hasSameSizeAs(one.getMeters());
        metrics.close();
        assertThat(one.getMeters()).isEmpty();
        assertThat(two.getMeters()).isEmpty();
    }

    @Test
    void misuseIsNamed() {
        assertThatThrownBy(() -> ElectorMetrics.builder().lock(" ").build())
                .hasMessageContaining("lock").hasMessageContaining("blank");
        assertThatThrownBy(() -> ElectorMetrics.builder().clientGoAliases("").build())
                .hasMessageContaining("clientGoAliases");
        assertThatThrownBy(() -> ElectorMetrics.builder().build().bindTo(new SimpleMeterRegistry()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("attach(elector)");
        ElectorMetrics metrics = ElectorMetrics.builder().build();
        metrics.attach(fixture.candidate("a").elector);
        assertThatThrownBy(() -> metrics.attach(fixture.candidate("b").elector))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one ElectorMetrics per elector");
    }
}
