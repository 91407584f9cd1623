package dev.leasehold.samples.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.WriteProbe;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The API-outage measures, on hand-made acknowledgement timelines (nanoseconds as small numbers). */
class PgFailoverBenchmarkTest {
    private static WriteProbe.Ack ack(String member, long id, long sent, long acked) {
        return new WriteProbe.Ack(member, id, sent, acked, Lsn.parse("0/1"));
    }

    @Test
    void theOutageIsTheLongestGapBetweenAcknowledgementsFromTheLastOneBeforeTheCut() {
        var acks = List.of(ack("pg-0", 1, 0, 1_000_000), ack("pg-0", 2, 1_000_000, 2_000_000),
                ack("pg-1", 3, 9_000_000, 10_000_000), ack("pg-1", 4, 10_000_000, 11_000_000));
        double[] r = PgFailoverBenchmark.outageMeasures(acks, 3_000_000, 11_000_000, Set.of(1L, 2L, 3L, 4L));
        assertThat(r[0]).isEqualTo(8.0); // 2 ms → 10 ms
        assertThat(r[4]).isEqualTo(-1.0); // the gap starts at the last acknowledgement before the cut (3 ms)
        assertThat(r[1]).isZero();
        assertThat(r[2]).isZero();
    }

    @Test
    void twoMembersAcknowledgingAtOnceAreSplitBrainAndMissingRowsAreLost() {
        // pg-1 acknowledges from 5 ms while pg-0 still acknowledges a write at 7 ms; row 2 is not on pg-1
        var acks = List.of(ack("pg-0", 1, 0, 1_000_000), ack("pg-1", 3, 5_000_000, 6_000_000),
                ack("pg-0", 2, 6_500_000, 7_000_000), ack("pg-1", 4, 7_000_000, 8_000_000));
        double[] r = PgFailoverBenchmark.outageMeasures(acks, 500_000, 8_000_000, Set.of(1L, 3L, 4L));
        assertThat(r[1]).isEqualTo(2.0); // pg-0's ack at 7 ms after pg-1's write sent at 5 ms
        assertThat(r[2]).isEqualTo(1.0);
    }
}
