package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.testing.PostgresCluster;
import dev.leasehold.postgres.testing.Rows;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The unclean paths: a fence whose fast shutdown overruns its deadline, and an old primary that
 * crashed (kill -9) and comes back. Both rejoin only after crash recovery and a divergence check.
 */
class CrashAndFenceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aFenceThatOverrunsItsDeadlineEscalatesToImmediateShutdown() {
        try (PostgresCluster c = PostgresCluster.start(2)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            Rows.seed(c, 50);
            // a hung standby never confirms the shutdown checkpoint, so a fast shutdown waits for it
            c.freeze(1);
            try {
                // the deadline is well under wal_sender_timeout (10 s), for which the fast shutdown would wait
                assertThat(pg0.fence(Duration.ofSeconds(2))).isEqualTo(Fence.Result.STOPPED_IMMEDIATE);
                assertThat(pg0.isRunning()).isFalse();
                assertThat(pg0.status().state()).isEqualTo(PostgresStatus.State.UNREACHABLE);
            } finally {
                c.thaw(1);
            }
            pg1.promote(TIMEOUT);
            Lsn after = Rows.insert(pg1, "after", 51, 60);
            Rewind.Result rejoined = pg0.rejoin(pg1, TIMEOUT);
            assertThat(rejoined.outcome()).as(rejoined.reason()).isIn(expectedWhenDiverged(pg0),
                    Rewind.Outcome.NOT_DIVERGED);
            Rows.awaitReplayed(pg0, after);
            assertThat(Rows.ids(pg0, "before")).isEqualTo(Rows.range(1, 50));
            assertThat(Rows.ids(pg0, "after")).isEqualTo(Rows.range(51, 60));
        }
    }

    @Test
    void aCrashedOldPrimaryIsRecoveredInSingleUserModeThenRejoinsOnlyAfterRewind() {
        try (PostgresCluster c = PostgresCluster.start(2)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            Rows.seed(c, 50);
            c.partition(0);
            Rows.insert(pg0, "diverged", 1001, 1020);
            c.kill9(0);
            c.heal(0);
            assertThat(PgControl.read(pg0.config().dataDir().orElseThrow()).cleanlyShutDown()).isFalse();

            pg1.promote(TIMEOUT);
            Lsn after = Rows.insert(pg1, "after", 51, 60);
            Rewind.Result rejoined = pg0.rejoin(pg1, TIMEOUT);
            assertThat(rejoined.outcome()).as(rejoined.reason()).isEqualTo(expectedWhenDiverged(pg0));
            Rows.awaitReplayed(pg0, after);
            assertThat(Rows.ids(pg0, "before")).isEqualTo(Rows.range(1, 50));
            assertThat(Rows.ids(pg0, "after")).isEqualTo(Rows.range(51, 60));
            assertThat(Rows.ids(pg0, "diverged")).isEmpty();
        }
    }

    @Test
    void aStandbyKilledMidRecoveryRejoinsItsUpstreamAsItIsAndStreamsAgain() {
        try (PostgresCluster c = PostgresCluster.start(2)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            Rows.seed(c, 50);
            c.kill9(1); // as the guard stops a standby whose agent stopped stepping
            assertThat(PgControl.read(pg1.config().dataDir().orElseThrow()).state())
                    .isEqualTo(PgControl.DbState.IN_ARCHIVE_RECOVERY);
            Rows.insert(pg0, "after", 51, 60); // the upstream writes on past the standby's end
            Rewind.Result rejoined = pg1.rejoin(pg0, TIMEOUT); // waits until it streams
            assertThat(rejoined.outcome()).as(rejoined.reason()).isEqualTo(Rewind.Outcome.NOT_DIVERGED);
            Lsn more = Rows.insert(pg0, "more", 61, 70);
            Rows.awaitReplayed(pg1, more);
            assertThat(Rows.ids(pg1, "after")).isEqualTo(Rows.range(51, 60));
        }
    }

    /** REWOUND where the binaries have pg_rewind, else the re-clone fallback. */
    static Rewind.Outcome expectedWhenDiverged(PostgresInstance m) {
        return m.commands().has("pg_rewind") ? Rewind.Outcome.REWOUND : Rewind.Outcome.RECLONED;
    }
}
