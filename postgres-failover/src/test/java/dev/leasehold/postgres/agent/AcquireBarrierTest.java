package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The failsafe promise and the acquisitions it holds back, on a virtual clock. */
class AcquireBarrierTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicLong perRead = new AtomicLong(); // how far the clock moves on every read; 0: it stands
    private final AcquireBarrier barrier = new AcquireBarrier(() -> now.getAndAdd(perRead.get()));

    @Test
    void noAcquisitionStartsWhileAPromiseRunsAndOneMayAfterItEnds() {
        assertThat(barrier.promise("pg-0", Duration.ofSeconds(4))).isTrue();
        now.addAndGet(Duration.ofMillis(3999).toNanos());
        assertThat(barrier.tryEnter()).isFalse();
        assertThat(barrier.running()).hasValueSatisfying(p -> {
            assertThat(p.primary()).isEqualTo("pg-0");
            assertThat(p.left()).isEqualTo(Duration.ofMillis(1));
        });
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(barrier.running()).isEmpty();
        assertThat(barrier.tryEnter()).isTrue();
    }

    @Test
    void noPromiseIsGivenWhileAnAcquisitionIsInFlight() {
        assertThat(barrier.tryEnter()).isTrue();
        assertThat(barrier.promise("pg-0", Duration.ofSeconds(4))).isFalse();
        assertThat(barrier.running()).isEmpty();
        barrier.exit();
        assertThat(barrier.promise("pg-0", Duration.ofSeconds(4))).isTrue();
    }

    @Test
    void aRepeatedPromiseExtendsButNeverShortensTheRunningOne() {
        barrier.promise("pg-0", Duration.ofSeconds(4));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        barrier.promise("pg-0", Duration.ofSeconds(1)); // shorter than what is left: the longer one stands
        assertThat(barrier.running().orElseThrow().left()).isEqualTo(Duration.ofSeconds(3));
        barrier.promise("pg-0", Duration.ofSeconds(4));
        assertThat(barrier.running().orElseThrow().left()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void aPromiseIsJudgedAtOneInstantSoAClockThatMovesBetweenReadsNeverShortensTheRunningOne() {
        long start = now.get();
        barrier.promise("pg-0", Duration.ofMillis(100));
        now.set(start + Duration.ofMillis(95).toNanos());
        perRead.set(Duration.ofMillis(10).toNanos()); // a second read would see the running promise over
        barrier.promise("pg-0", Duration.ofMillis(1)); // shorter than what is left: the longer one stands
        perRead.set(0);
        now.set(start + Duration.ofMillis(97).toNanos());
        assertThat(barrier.running()).as("the first promise still runs to its end").hasValueSatisfying(
                p -> assertThat(p.left()).isEqualTo(Duration.ofMillis(3)));
    }
}
