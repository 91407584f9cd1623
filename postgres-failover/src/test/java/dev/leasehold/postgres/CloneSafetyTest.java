package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.postgres.testing.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A clone replaces a cluster, the member's own configuration files, or what an earlier clone left; never a
 * directory of somebody's files that holds no cluster (the agent clones a member whose data directory has no
 * {@code PG_VERSION}, so without this check a mistaken path would be wiped).
 */
class CloneSafetyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aDataDirectoryWithOtherFilesAndNoClusterIsRefusedAndKeptAndALeftoverOfAnEarlierCloneIsReplaced()
            throws Exception {
        try (PostgresCluster c = PostgresCluster.start(1)) {
            PostgresInstance primary = c.member(0);
            PostgresInstance member = primary.config().toBuilder().name("pg-1").port(PostgresCluster.freePort())
                    .dataDir(c.baseDir().resolve("pg-1")).build();
            Path data = member.config().dataDir().orElseThrow();
            Files.createDirectories(data);
            Files.writeString(data.resolve("postgresql.conf"), "port = " + member.config().port() + "\n");
            Files.writeString(data.resolve("notes.txt"), "somebody's file\n");
            c.osUser().ifPresent(u -> u.ownTree(data));

            assertThatThrownBy(() -> member.cloneFrom(primary, TIMEOUT)).isInstanceOf(PostgresException.class)
                    .hasMessageContaining(data.toString()).hasMessageContaining("[notes.txt]")
                    .hasMessageContaining("no PG_VERSION");
            assertThat(Files.readString(data.resolve("notes.txt"))).isEqualTo("somebody's file\n");

            // what a clone that died half way leaves: files and no PG_VERSION, and the marker beside them
            Path marker = c.baseDir().resolve(".pg-1.leasehold-clone");
            Files.delete(data.resolve("notes.txt"));
            Files.createDirectories(data.resolve("base"));
            Files.writeString(marker, "");
            member.cloneFrom(primary, TIMEOUT);
            assertThat(member.hasData()).isTrue();
            assertThat(Files.exists(marker)).as("the marker goes once the clone is whole").isFalse();
            assertThat(Files.readString(data.resolve("postgresql.conf"))).as("the member's own file is kept")
                    .isEqualTo("port = " + member.config().port() + "\n");
            assertThat(member.systemIdentifier()).isEqualTo(primary.systemIdentifier());
        }
    }
}
