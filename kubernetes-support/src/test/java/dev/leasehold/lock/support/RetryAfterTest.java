package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-11-30T06:00:00Z");

    @Test
    void wholeSecondsAreReadAsThey() {
        assertThat(RetryAfter.seconds("1", NOW)).contains(1);
        assertThat(RetryAfter.seconds(" 120 ", NOW)).contains(120);
        assertThat(RetryAfter.seconds("0", NOW)).contains(0);
    }

    @Test
    void anHttpDateIsTheSecondsFromNowAndZeroWhenPast() {
        assertThat(RetryAfter.seconds("Mon, 30 Nov 2026 06:00:30 GMT", NOW)).contains(30);
        assertThat(RetryAfter.seconds("Mon, 30 Nov 2026 05:59:00 GMT", NOW)).contains(0);
    }

    @Test
    void hugeNumbersAreCappedNotWrapped() {
        assertThat(RetryAfter.seconds("99999999999", NOW)).contains(Integer.MAX_VALUE);
        assertThat(RetryAfter.seconds("999999999999999999999999", NOW)).contains(Integer.MAX_VALUE);
    }

    @Test
    void absentNegativeOrGarbageGivesNoHint() {
        assertThat(RetryAfter.seconds(null, NOW)).isEmpty();
        assertThat(RetryAfter.seconds("", NOW)).isEmpty();
        assertThat(RetryAfter.seconds("-5", NOW)).isEmpty();
        assertThat(RetryAfter.seconds("soon", NOW)).isEmpty();
    }
}
