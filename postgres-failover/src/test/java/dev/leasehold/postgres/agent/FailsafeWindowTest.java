package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The primary side's failsafe arithmetic on a hand-driven clock (nanoseconds). */
class FailsafeWindowTest {
    private static final long MS = 1_000_000;
    // window 10 s, fence timeout 1 s, drift 1 %, limit 30 s: margin 2 × 1 s + 2 × 1 % × 10 s = 2.2 s
    private final FailsafeWindow w = new FailsafeWindow(Duration.ofSeconds(10), Duration.ofSeconds(1), 0.01,
            Duration.ofSeconds(30));

    @Test
    void nothingIsProvenBeforeAConfirmedRound() {
        assertThat(w.margin()).isEqualTo(Duration.ofMillis(2_200));
        assertThat(w.remaining(0)).isZero();
        assertThat(w.limitReached(100_000 * MS)).isFalse();
    }

    @Test
    void aRoundProvesItsStartPlusTheShortestPromiseShrunkByTheDriftLessTheMargin() {
        w.confirmed(1_000 * MS, Duration.ofSeconds(10));
        // until = 1 s + 10 s × 0.99 − 2.2 s = 8.7 s
        assertThat(w.remaining(1_000 * MS)).isEqualTo(Duration.ofMillis(7_700));
        assertThat(w.remaining(8_699 * MS)).isEqualTo(Duration.ofMillis(1));
        assertThat(w.remaining(8_700 * MS)).isZero();
        // a shorter promise in a later round never shortens what an earlier round proved
        w.confirmed(2_000 * MS, Duration.ofSeconds(5));
        assertThat(w.remaining(8_000 * MS)).isEqualTo(Duration.ofMillis(700));
    }

    @Test
    void theStintEndsAtTheLimitAfterItsFirstConfirmedRoundUntilCleared() {
        for (long start = 5_000; start <= 40_000; start += 1_000) {
            w.confirmed(start * MS, Duration.ofSeconds(10));
        }
        assertThat(w.remaining(34_000 * MS)).isEqualTo(Duration.ofSeconds(1));
        assertThat(w.limitReached(34_999 * MS)).isFalse();
        assertThat(w.limitReached(35_000 * MS)).isTrue();
        assertThat(w.remaining(35_000 * MS)).isZero();
        w.clear();
        assertThat(w.remaining(36_000 * MS)).isZero();
        assertThat(w.limitReached(36_000 * MS)).isFalse();
        w.confirmed(50_000 * MS, Duration.ofSeconds(10));
        assertThat(w.remaining(50_000 * MS)).isEqualTo(Duration.ofMillis(7_700));
    }
}
