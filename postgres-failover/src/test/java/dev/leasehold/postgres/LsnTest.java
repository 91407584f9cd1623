package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LsnTest {
    @ParameterizedTest
    @CsvSource({"0/0, 0", "0/1, 1", "1/0, 4294967296", "16/B374D848, 97500059720", "FFFFFFFF/FFFFFFFF, -1"})
    void parsesAndPrintsTheServersForm(String text, long value) {
        Lsn lsn = Lsn.parse(text);
        assertThat(lsn.value()).isEqualTo(value);
        assertThat(lsn.toString()).isEqualTo(text);
    }

    @Test
    void ordersUnsignedAndSubtracts() {
        Lsn low = Lsn.parse("0/FFFFFFFF");
        Lsn high = Lsn.parse("1/0");
        Lsn top = Lsn.parse("FFFFFFFF/0");
        assertThat(high).isGreaterThan(low);
        assertThat(top).isGreaterThan(high);
        assertThat(top.isAfter(high)).isTrue();
        assertThat(high.minus(low)).isEqualTo(1);
        assertThat(low.minus(high)).isEqualTo(-1);
        assertThat(Lsn.parse("0/10").minus(Lsn.ZERO)).isEqualTo(16);
        assertThat(Lsn.parse("a/b")).isEqualTo(Lsn.parse("A/B"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "0/", "/0", "1-2", "G/0", "123456789/0", "0/123456789", "0/0/0", " 0/0"})
    void rejectsWhatIsNotAnLsnNamingTheText(String text) {
        assertThatThrownBy(() -> Lsn.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    /** Issue 17, item 2: {@code FFFFFFFF/FFFFFFFF} minus {@code 0/0} was -1, so a forged position passed a lag check. */
    @ParameterizedTest
    @CsvSource({"FFFFFFFF/FFFFFFFF, 0/0", "FFFFFFFF/FFFFFFFF, 0/1000", "80000000/0, 0/0", "FFFFFFFF/0, 1/0",
            "80000000/1, 0/0", "7FFFFFFF/FFFFFFFF, 0/0", "1/0, 0/FFFFFFFF", "0/1, 0/0"})
    void minusHasTheSignOfCompareToAndNeverWraps(String ahead, String behind) {
        Lsn a = Lsn.parse(ahead);
        Lsn b = Lsn.parse(behind);
        assertThat(a).isGreaterThan(b);
        assertThat(a.minus(b)).isPositive();
        assertThat(b.minus(a)).isNegative();
        assertThat(a.minus(a)).isZero();
    }

    @Test
    void aDistanceBeyondLongSaturatesInsteadOfWrapping() {
        Lsn top = Lsn.parse("FFFFFFFF/FFFFFFFF");
        assertThat(top.minus(Lsn.ZERO)).isEqualTo(Long.MAX_VALUE);
        assertThat(Lsn.ZERO.minus(top)).isEqualTo(Long.MIN_VALUE);
        assertThat(Lsn.parse("7FFFFFFF/FFFFFFFF").minus(Lsn.ZERO)).isEqualTo(Long.MAX_VALUE);
        assertThat(Lsn.parse("80000000/0").minus(Lsn.parse("0/1"))).isEqualTo(Long.MAX_VALUE);
        assertThat(Lsn.parse("80000000/0").minus(Lsn.parse("7FFFFFFF/FFFFFFFF"))).isEqualTo(1);
    }
}
