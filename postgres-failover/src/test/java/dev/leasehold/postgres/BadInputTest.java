package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.postgres.testing.PgBinaries;
import dev.leasehold.postgres.testing.PostgresCluster;
import dev.leasehold.postgres.testing.SystemProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bad input gets a clear error naming the thing and the value; one shared 1-member cluster. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    private PostgresCluster cluster;
    private PostgresInstance pg0;

    @BeforeAll
    void start() {
        cluster = PostgresCluster.start(1);
        pg0 = cluster.member(0);
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void missingBinariesNameTheProgramAndTheDirectory() throws Exception {
        Path empty = Files.createTempDirectory("leasehold-no-pg");
        try {
            PgCommands commands = new PgCommands(empty, Optional.empty());
            assertThatThrownBy(() -> commands.program("pg_rewind")).isInstanceOf(PostgresException.class)
                    .hasMessageContaining("'pg_rewind'").hasMessageContaining(empty.toString());
            PostgresInstance noBinaries = pg0.config().toBuilder().binDir(empty).build();
            assertThatThrownBy(() -> noBinaries.commands().runOrThrow(Duration.ofSeconds(5), Map.of(),
                    "pg_ctl", List.of("--version"))).hasMessageContaining("'pg_ctl'")
                    .hasMessageContaining(empty.toString());

            Map<String, String> props = new HashMap<>();
            props.put("PG_BIN", empty.toString());
            props.put("leasehold.pg.binaries", null);
            SystemProperties.with(props, () -> assertThatThrownBy(PgBinaries::locate)
                    .isInstanceOf(PostgresException.class).hasMessageContaining("PG_BIN=" + empty)
                    .hasMessageContaining("initdb"));
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    void wrongPasswordIsARejectedStateNamingTheUserAndNeverShowingThePassword() {
        PostgresInstance wrong = pg0.config().toBuilder()
                .superuser(new Credentials("postgres", "not-the-password-123")).build();
        PostgresStatus status = wrong.status();
        assertThat(status.state()).isEqualTo(PostgresStatus.State.REJECTED);
        assertThat(status.problem().orElseThrow()).contains("password authentication failed for user \"postgres\"")
                .contains(pg0.describe()).doesNotContain("not-the-password-123");
        assertThatThrownBy(wrong::connect).isInstanceOfSatisfying(PostgresConnectionException.class,
                e -> assertThat(e.kind()).isEqualTo(PostgresConnectionException.Kind.REJECTED));
        assertThatThrownBy(() -> wrong.promote(Duration.ofSeconds(1))).isInstanceOf(PostgresException.class)
                .hasMessageContaining("REJECTED");
    }

    @Test
    void unreachableHostOrPortIsAStateNamingTheAddress() {
        int nothing = PostgresCluster.freePort();
        PostgresStatus noPort = pg0.config().toBuilder().port(nothing).build().status();
        assertThat(noPort.state()).isEqualTo(PostgresStatus.State.UNREACHABLE);
        assertThat(noPort.problem().orElseThrow()).contains("127.0.0.1:" + nothing);

        PostgresStatus noHost = pg0.config().toBuilder().host("no-such-host.invalid").build().status();
        assertThat(noHost.state()).isEqualTo(PostgresStatus.State.UNREACHABLE);
        assertThat(noHost.problem().orElseThrow()).contains("no-such-host.invalid");
        assertThat(noHost.currentLsn()).isEmpty();
    }

    @Test
    void aPortInUseIsAStartErrorNamingThePort() throws IOException {
        int port = pg0.config().port();
        assertThat(pg0.fence(Duration.ofSeconds(10))).isEqualTo(Fence.Result.STOPPED_FAST);
        try (ServerSocket squatter = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> pg0.start(Duration.ofSeconds(20))).isInstanceOf(PostgresException.class)
                    .hasMessageContaining("port " + port).hasMessageContaining("already in use");
        } finally {
            cluster.restart(0);
        }
        assertThat(pg0.status().state()).isEqualTo(PostgresStatus.State.PRIMARY);
    }

    @Test
    void identifiersWithQuotesOrSpacesAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> pg0.slots().create("x'); DROP TABLE t; --"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot name 'x'); DROP TABLE t; --'");
        assertThatThrownBy(() -> pg0.slots().drop("bad slot")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bad slot'");
        assertThatThrownBy(() -> new Credentials("pg user", "pw")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user 'pg user'");
        assertThatThrownBy(() -> new Credentials("ro\"le", "pw")).hasMessageContaining("ro\"le");
        assertThatThrownBy(() -> pg0.config().toBuilder().name("pg 0").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name 'pg 0'");
        assertThatThrownBy(() -> pg0.synchronousStandbys().set(SynchronousStandbys.Method.ANY, 1,
                List.of("pg-1\", \"x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pg-1\", \"x");
        assertThat(pg0.synchronousStandbys().configured()).isEmpty();
        assertThatThrownBy(() -> pg0.cloneFrom(pg0, Duration.ofSeconds(5))).isInstanceOf(PostgresException.class)
                .hasMessageContaining("onto itself");
        assertThatThrownBy(() -> pg0.rejoin(pg0, Duration.ofSeconds(5))).isInstanceOf(PostgresException.class)
                .hasMessageContaining("is running; fence it");
    }

    @Test
    void builderNamesTheParameterTheValueAndTheRule() {
        PostgresConfig.Builder b = pg0.config().toBuilder();
        assertThatThrownBy(() -> b.port(0).build()).hasMessage("port 0 must be between 1 and 65535");
        assertThatThrownBy(() -> pg0.config().toBuilder().dataDir(Path.of("relative/data")).build())
                .hasMessage("dataDir 'relative/data' must be an absolute path");
        assertThatThrownBy(() -> pg0.config().toBuilder().connectTimeout(Duration.ZERO).build())
                .hasMessage("connectTimeout PT0S must be a positive duration");
        assertThatThrownBy(() -> pg0.config().toBuilder().host("a b").build()).hasMessageContaining("host 'a b'");
        assertThatThrownBy(() -> new Credentials("postgres", "")).hasMessageContaining("password for user 'postgres'");
        assertThatThrownBy(() -> pg0.fence(Duration.ZERO)).hasMessageContaining("fence deadline PT0S");
        assertThat(new Credentials("postgres", "secret").toString()).doesNotContain("secret");
    }
}
