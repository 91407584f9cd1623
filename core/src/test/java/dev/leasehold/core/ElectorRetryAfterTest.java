package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A lock failure that carries the server's Retry-After hint (a 429 or 503) keeps the elector away at least that
 * long, capped at four retry periods and the lease duration, and never keeps a leader past its renew deadline.
 * Timings 4/3/1 (call timeout 1 s), virtual time.
 */
class ElectorRetryAfterTest {

    private final ElectorFixture f = new ElectorFixture();

    private Candidate polling(String identity) {
        return f.candidate(identity, false, UnaryOperator.identity());
    }

    @Test
    void aThrottledFollowerWaitsTheServersRetryAfterBeforeItsNextCall() {
        polling("a");
        f.run(Duration.ofSeconds(2));
        Candidate b = polling("b");
        f.run(Duration.ofSeconds(2));
        b.lock.faults().errorRate = 1;
        b.lock.faults().errorRetryAfter = Duration.ofSeconds(2);
        int before = b.lock.calls();
        f.run(Duration.ofSeconds(12));
        int throttled = b.lock.calls() - before;
        // its own backoff (1/8 s doubling to 1 s, +20 % jitter) alone makes about 12 calls in 12 s
        assertThat(throttled).as("calls in 12 s under Retry-After: 2s").isBetween(5, 7);
    }

    @Test
    void aRetryAfterOfAnHourIsCappedAtFourRetryPeriods() {
        polling("a");
        f.run(Duration.ofSeconds(2));
        Candidate b = polling("b");
        f.run(Duration.ofSeconds(2));
        b.lock.faults().errorRate = 1;
        b.lock.faults().errorRetryAfter = Duration.ofHours(1);
        int before = b.lock.calls();
        f.run(Duration.ofSeconds(20));
        assertThat(b.lock.calls() - before).as("calls in 20 s, one about every 4 s (4 retry periods)")
                .isBetween(5, 6);
        b.lock.faults().heal(Duration.ofMillis(1));
        f.run(Duration.ofSeconds(5));
        assertThat(b.lock.calls() - before).as("polls again once healed").isGreaterThan(6);
    }

    @Test
    void aThrottledLeaderStillTriesBeforeItsRenewDeadlineAndStepsDownAtIt() {
        Candidate a = polling("a");
        f.run(Duration.ofSeconds(2));
        assertThat(a.elector.isLeader()).isTrue();
        a.lock.faults().errorRate = 1;
        a.lock.faults().errorRetryAfter = Duration.ofSeconds(30);
        long throttledAt = f.time.now();
        int before = a.lock.calls();
        f.run(Duration.ofSeconds(4));
        assertThat(f.events("a", "stopped")).hasSize(1);
        long stoppedAfter = f.events("a", "stopped").get(0).atNanos() - throttledAt;
        assertThat(Duration.ofNanos(stoppedAfter)).as("stepped down at its renew deadline (3 s after its last renew)")
                .isLessThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(a.lock.calls() - before).as("renew attempts before the deadline despite Retry-After: 30s")
                .isGreaterThanOrEqualTo(2);
    }
}
