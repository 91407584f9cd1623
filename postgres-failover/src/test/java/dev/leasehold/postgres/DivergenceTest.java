package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.PgControl.DbState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The divergence rule of {@link Rewind}, table by table, without servers. */
class DivergenceTest {
    private static final long SYSID = 7_000_000_000_000_000_001L;
    private static final TimelineHistory TL2 = TimelineHistory.parse(2, "1\t0/5000100\tno recovery target specified\n");
    private static final Rewind.UpstreamHistory UP = new Rewind.UpstreamHistory(SYSID, 2, Lsn.parse("0/6000000"), TL2);

    private static PgControl stopped(DbState state, String checkpoint, int tli, String minRecovery, int minTli) {
        return new PgControl(SYSID, 1300, state, Lsn.parse(checkpoint), tli, Lsn.parse(minRecovery), minTli);
    }

    @Test
    void aPrimaryWhoseShutdownCheckpointTheNewPrimaryReceivedHasNotDiverged() {
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN, "0/50000C8", 1, "0/0", 0), UP)).isEmpty();
    }

    @Test
    void aPrimaryWhoseShutdownCheckpointIsAtOrPastTheSwitchPointHasDiverged() {
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN, "0/5000100", 1, "0/0", 0), UP)).get()
                .asString().contains("at or past 0/5000100");
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN, "0/5200000", 1, "0/0", 0), UP)).isPresent();
    }

    @Test
    void aStandbyDivergedOnlyIfItReplayedPastTheSwitchPoint() {
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN_IN_RECOVERY, "0/4000000", 1, "0/5000100", 1), UP))
                .isEmpty();
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN_IN_RECOVERY, "0/4000000", 1, "0/5000101", 1), UP))
                .isPresent();
    }

    @Test
    void sameTimelineDivergesOnlyWhenAheadOfTheUpstream() {
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN_IN_RECOVERY, "0/5800000", 2, "0/5900000", 2), UP))
                .isEmpty();
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN, "0/7000000", 2, "0/0", 0), UP)).get().asString()
                .contains("ahead of the upstream");
    }

    @Test
    void anUnknownTimelineOrAnotherSystemHasDiverged() {
        assertThat(Rewind.divergence(stopped(DbState.SHUT_DOWN, "0/1000000", 3, "0/0", 0), UP)).get().asString()
                .contains("timeline 3 is not in the history");
        PgControl other = new PgControl(SYSID + 1, 1300, DbState.SHUT_DOWN, Lsn.parse("0/1000000"), 1, Lsn.ZERO, 0);
        assertThat(Rewind.divergence(other, UP)).get().asString().contains("system identifier");
    }

    @Test
    void historyFilesParseEveryAncestor() {
        TimelineHistory h = TimelineHistory.parse(3, "1\t0/3000158\tno recovery target specified\n\n"
                + "# comment\n2\t0/5000000\tbefore 2000-01-01 00:00:00+00\n");
        assertThat(h.entries()).extracting(TimelineHistory.Entry::timeline).isEqualTo(List.of(1, 2));
        assertThat(h.switchPointOf(2)).contains(Lsn.parse("0/5000000"));
        assertThat(h.switchPointOf(3)).isEmpty();
    }
}
