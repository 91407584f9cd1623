package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.postgres.testing.PostgresCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@link PostgresInstance#initdb} with real PostgreSQL programs: what a new cluster has, crash safety, refusals. */
class BootstrapTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void makesAClusterThatAcceptsTheSuperuserAndTheReplicationUserWithPasswordsOnly() throws Exception {
        try (PostgresCluster c = PostgresCluster.withoutData(1)) {
            PostgresInstance pg = c.member(0);
            Path data = pg.config().dataDir().orElseThrow();
            Bootstrap.Result r = pg.initdb(PostgresCluster.bootstrapSettings(), TIMEOUT);
            assertThat(r.outcome()).isEqualTo(Bootstrap.Outcome.CREATED);
            assertThat(r.systemIdentifier()).isEqualTo(pg.systemIdentifier());
            assertThat(Files.exists(data.resolve("PG_VERSION"))).isTrue();
            try (var names = Files.list(c.baseDir())) {
                assertThat(names.map(p -> p.getFileName().toString())).as("nothing of the bootstrap left beside it")
                        .noneMatch(n -> n.contains("leasehold-initdb"));
            }
            String conf = Files.readString(data.resolve("postgresql.conf"), StandardCharsets.UTF_8);
            assertThat(conf).contains("port = " + pg.config().port(), "wal_level = 'replica'",
                    "wal_log_hints = 'on'", "listen_addresses = '127.0.0.1'")
                    .doesNotContain(c.superuser().password(), c.replication().password());
            assertThat(Files.readString(data.resolve("pg_hba.conf"), StandardCharsets.UTF_8))
                    .contains("host replication \"replicator\" 127.0.0.1/32 scram-sha-256")
                    .doesNotContain("trust");

            pg.start(TIMEOUT);
            assertThat(pg.checkWrite().timeline()).isEqualTo(1);
            // the replication user logs in for replication with its password, and sees this cluster
            try (Connection repl = replicationConnection(pg, c.replication().password());
                    Statement s = repl.createStatement(); ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
                rs.next();
                assertThat(rs.getString("systemid")).isEqualTo(Long.toUnsignedString(r.systemIdentifier()));
            }
            assertThatThrownBy(() -> replicationConnection(pg, "wrong").close())
                    .hasMessageContaining("password authentication failed");
            // scram, never a plain or md5 password
            try (Connection su = pg.connect(); Statement s = su.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT rolpassword LIKE 'SCRAM-SHA-256$%', rolreplication FROM pg_authid"
                            + " WHERE rolname = 'replicator'")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getBoolean(2)).isTrue();
            }
            // idempotent: a second call leaves the cluster as it is
            pg.fence(Duration.ofSeconds(5));
            Bootstrap.Result again = pg.initdb(PostgresCluster.bootstrapSettings(), TIMEOUT);
            assertThat(again.outcome()).isEqualTo(Bootstrap.Outcome.EXISTED);
            assertThat(again.systemIdentifier()).isEqualTo(r.systemIdentifier());
        }
    }

    @Test
    void aCrashedAttemptLeavesNoDataDirectoryAndTheNextAttemptStartsAfresh() throws Exception {
        try (PostgresCluster c = PostgresCluster.withoutData(1)) {
            PostgresInstance pg = c.member(0);
            Path data = pg.config().dataDir().orElseThrow();
            // what a crash in the middle of initdb leaves: a half-made staging directory, no data directory
            Path stage = c.baseDir().resolve("." + data.getFileName() + ".leasehold-initdb");
            Files.createDirectories(stage.resolve("global"));
            Files.writeString(stage.resolve("PG_VERSION"), "15\n");
            c.osUser().ifPresent(u -> u.ownTree(stage));
            assertThat(pg.hasData()).as("a half-made cluster never looks like a data directory").isFalse();

            Bootstrap.Result r = pg.initdb(PostgresCluster.bootstrapSettings(), TIMEOUT);
            assertThat(r.outcome()).isEqualTo(Bootstrap.Outcome.CREATED);
            assertThat(Files.exists(stage)).isFalse();
            pg.start(TIMEOUT);
            assertThat(pg.status().state()).isEqualTo(PostgresStatus.State.PRIMARY);
        }
    }

    @Test
    void anEmptyDataDirectoryIsUsedAndANonEmptyOneThatHoldsNoClusterIsRefusedAndKept() throws Exception {
        try (PostgresCluster c = PostgresCluster.withoutData(2)) {
            PostgresInstance empty = c.member(0);
            Files.createDirectories(empty.config().dataDir().orElseThrow());
            c.osUser().ifPresent(u -> u.ownTree(empty.config().dataDir().orElseThrow()));
            assertThat(empty.initdb(PostgresCluster.bootstrapSettings(), TIMEOUT).outcome())
                    .isEqualTo(Bootstrap.Outcome.CREATED);
            assertThat(empty.hasData()).isTrue();

            PostgresInstance cluttered = c.member(1);
            Path data = cluttered.config().dataDir().orElseThrow();
            Files.createDirectories(data);
            Files.writeString(data.resolve("notes.txt"), "somebody's file\n");
            assertThatThrownBy(() -> cluttered.initdb(PostgresCluster.bootstrapSettings(), TIMEOUT))
                    .isInstanceOf(PostgresException.class)
                    .hasMessageContaining(data.toString())
                    .hasMessageContaining("not empty but holds no PostgreSQL cluster");
            assertThat(Files.readString(data.resolve("notes.txt"))).isEqualTo("somebody's file\n");
            try (var left = Files.list(data)) {
                assertThat(left.toList()).hasSize(1);
            }
        }
    }

    @Test
    void settingsThatTheAgentMustSetItselfAreRejectedByName() {
        var defaults = Bootstrap.Settings.defaults();
        assertThatThrownBy(() -> new Bootstrap.Settings(List.of("--pwfile=/tmp/x"), Map.of(), defaults.allowFrom()))
                .hasMessageContaining("initdbArgs").hasMessageContaining("--pwfile=/tmp/x");
        assertThatThrownBy(() -> new Bootstrap.Settings(List.of("-D", "/x"), Map.of(), defaults.allowFrom()))
                .hasMessageContaining("'-D'");
        assertThatThrownBy(() -> new Bootstrap.Settings(List.of(), Map.of("port", "5433"), defaults.allowFrom()))
                .hasMessageContaining("settings: 'port'");
        assertThatThrownBy(() -> new Bootstrap.Settings(List.of(), Map.of("fsync", "off\nport=1"),
                defaults.allowFrom())).hasMessageContaining("line break");
        assertThatThrownBy(() -> new Bootstrap.Settings(List.of(), Map.of(), List.of("everyone")))
                .hasMessageContaining("allowFrom: 'everyone'");
        assertThatThrownBy(() -> new Bootstrap.Settings(List.of(), Map.of(), List.of()))
                .hasMessageContaining("allowFrom");
    }

    private static Connection replicationConnection(PostgresInstance pg, String password) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "replicator");
        p.setProperty("password", password);
        p.setProperty("replication", "true");
        p.setProperty("assumeMinServerVersion", "13");
        p.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection("jdbc:postgresql://" + pg.config().host() + ":" + pg.config().port()
                + "/postgres", p);
    }
}
