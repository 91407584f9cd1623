package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.testing.PostgresCluster;
import dev.leasehold.postgres.testing.Rows;
import dev.leasehold.postgres.testing.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Promote / fence / follow / rejoin on real servers (3 members: pg-0 primary, pg-1 and pg-2 replicas),
 * with the binaries {@code PgBinaries.locate()} finds. Where the binaries have {@code pg_rewind} a
 * diverged old primary is rewound; where they do not, the same tests prove the re-clone fallback
 * (the expected outcome is chosen from the binaries and logged).
 */
class FailoverTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void switchoverFencesFirstSoNothingDivergesAndTheOtherReplicaFollowsWithoutRestart() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(3)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            PostgresInstance pg2 = c.member(2);
            Rows.seed(c, 200);

            assertThat(pg0.fence(Duration.ofSeconds(10))).isEqualTo(Fence.Result.STOPPED_FAST);
            assertThat(pg0.status().state()).isEqualTo(PostgresStatus.State.UNREACHABLE);
            assertThat(pg0.fence(Duration.ofSeconds(10))).isEqualTo(Fence.Result.ALREADY_STOPPED);
            // the fast shutdown sent its last record (the shutdown checkpoint) to both standbys
            Lsn end = PgControl.read(pg0.config().dataDir().orElseThrow()).checkpoint();
            Rows.awaitReplayed(pg1, end);
            Rows.awaitReplayed(pg2, end);

            PostgresInstance.PromoteResult promoted = pg1.promote(TIMEOUT);
            assertThat(promoted.alreadyPrimary()).isFalse();
            assertThat(promoted.previousTimeline()).isEqualTo(1);
            assertThat(promoted.timeline()).isEqualTo(2);
            assertThat(pg1.status().state()).isEqualTo(PostgresStatus.State.PRIMARY);
            assertThat(pg1.promote(TIMEOUT).alreadyPrimary()).isTrue();

            long pid = postmasterPid(pg2);
            assertThat(pg2.follow(pg1, TIMEOUT)).isEqualTo(Follow.Result.RELOADED);
            assertThat(postmasterPid(pg2)).as("pg-2 followed without a restart").isEqualTo(pid);
            assertThat(pg2.follow(pg1, TIMEOUT)).isEqualTo(Follow.Result.UNCHANGED);

            Rewind.Result rejoined = pg0.rejoin(pg1, TIMEOUT);
            assertThat(rejoined.outcome()).as(rejoined.reason()).isEqualTo(Rewind.Outcome.NOT_DIVERGED);

            Lsn after = Rows.insert(pg1, "after", 201, 300);
            for (PostgresInstance standby : new PostgresInstance[] {pg0, pg2}) {
                Rows.awaitReplayed(standby, after);
                PostgresStatus s = standby.status();
                assertThat(s.state()).isEqualTo(PostgresStatus.State.STANDBY);
                assertThat(s.timeline()).isEqualTo(2);
                assertThat(s.upstream().orElseThrow().senderPort()).isEqualTo(pg1.config().port());
            }
            PostgresStatus primary = pg1.status();
            assertThat(primary.replicas()).extracting(ReplicationConnection::applicationName)
                    .containsExactly("pg_0", "pg_2");
            for (PostgresInstance m : c.members()) {
                assertThat(Rows.ids(m, "before")).as("rows before the switch on " + m.name())
                        .isEqualTo(Rows.range(1, 200));
                assertThat(Rows.ids(m, "after")).as("rows after the switch on " + m.name())
                        .isEqualTo(Rows.range(201, 300));
            }
        }
    }

    @Test
    void divergedOldPrimaryRejoinsOnlyAfterRewindAndLosesItsDivergentRows() {
        try (PostgresCluster c = PostgresCluster.start(3)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            PostgresInstance pg2 = c.member(2);
            Rows.seed(c, 200);

            // pg-0 is cut off from its replicas but keeps taking writes that nobody else sees
            c.partition(0);
            Rows.insert(pg0, "diverged", 1001, 1100);
            assertThat(Rows.ids(pg0, "diverged")).hasSize(100);

            pg1.promote(TIMEOUT);
            assertThat(pg2.follow(pg1, TIMEOUT)).isEqualTo(Follow.Result.RELOADED);
            Lsn after = Rows.insert(pg1, "after", 201, 300);

            assertThat(pg0.fence(Duration.ofSeconds(10))).isEqualTo(Fence.Result.STOPPED_FAST);
            c.heal(0);
            Rewind.Result rejoined = pg0.rejoin(pg1, TIMEOUT);
            Rewind.Outcome expected = pg0.commands().has("pg_rewind") ? Rewind.Outcome.REWOUND
                    : Rewind.Outcome.RECLONED;
            assertThat(rejoined.outcome()).as("pg_rewind %s in %s; %s",
                    expected == Rewind.Outcome.REWOUND ? "present" : "absent", pg0.commands().binDir(),
                    rejoined.reason()).isEqualTo(expected);
            assertThat(rejoined.reason()).contains("timeline 1");

            Rows.awaitReplayed(pg0, after);
            Rows.awaitReplayed(pg2, after);
            for (PostgresInstance m : c.members()) {
                assertThat(Rows.ids(m, "before")).isEqualTo(Rows.range(1, 200));
                assertThat(Rows.ids(m, "after")).isEqualTo(Rows.range(201, 300));
                assertThat(Rows.ids(m, "diverged")).as("divergent rows on " + m.name()).isEmpty();
            }
            assertThat(pg0.status().timeline()).isEqualTo(2);
            Secrets.assertNotLeaked(c);
        }
    }

    @Test
    void whenRewindCannotWorkTheOldPrimaryIsReclonedInstead() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(2)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            Rows.seed(c, 100);
            c.partition(0);
            Rows.insert(pg0, "diverged", 1001, 1050);
            pg1.promote(TIMEOUT);
            Lsn after = Rows.insert(pg1, "after", 101, 150);
            pg0.fence(Duration.ofSeconds(10));
            c.heal(0);
            // without its WAL, pg_rewind cannot find where pg-0 diverged: rewind is impossible
            Path wal = pg0.config().dataDir().orElseThrow().resolve("pg_wal");
            try (Stream<Path> files = Files.list(wal)) {
                for (Path f : files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}")).toList()) {
                    Files.delete(f);
                }
            }

            Rewind.Result rejoined = pg0.rejoin(pg1, TIMEOUT);
            assertThat(rejoined.outcome()).as(rejoined.reason()).isEqualTo(Rewind.Outcome.RECLONED);
            assertThat(rejoined.reason()).contains("rewind impossible");
            Rows.awaitReplayed(pg0, after);
            assertThat(Rows.ids(pg0, "before")).isEqualTo(Rows.range(1, 100));
            assertThat(Rows.ids(pg0, "after")).isEqualTo(Rows.range(101, 150));
            assertThat(Rows.ids(pg0, "diverged")).isEmpty();
        }
    }

    static long postmasterPid(PostgresInstance m) {
        return Postmaster.pid(m.config().dataDir().orElseThrow()).orElseThrow().pid();
    }
}
