package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings from the environment and a file: defaults, validation messages, passwords kept out of messages. */
class AgentSettingsTest {
    static MockApi api;
    static KubernetesClient client;
    @TempDir
    Path dir;

    @BeforeAll
    static void api() {
        api = new MockApi();
        client = api.client();
    }

    @AfterAll
    static void close() {
        api.close();
    }

    Map<String, String> env() throws Exception {
        Path pw = dir.resolve("su.pw");
        Files.writeString(pw, "s3cret-super\n");
        Map<String, String> env = new HashMap<>();
        env.put("HOSTNAME", "pg-0");
        env.put("LEASEHOLD_CLUSTER", "pg");
        env.put("LEASEHOLD_NAMESPACE", "db");
        env.put("LEASEHOLD_PG_DATA", dir.resolve("data").toString());
        env.put("LEASEHOLD_PG_BIN", AgentSettings.findBin().toString());
        env.put("LEASEHOLD_SUPERUSER_PASSWORD_FILE", pw.toString());
        env.put("LEASEHOLD_REPLICATION_PASSWORD", "s3cret-repl");
        return env;
    }

    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        AgentConfig c = AgentSettings.from(env()).toConfig(client);
        assertThat(c.name()).isEqualTo("pg-0");
        assertThat(c.namespace()).isEqualTo("db");
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.renewDeadline()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.fenceTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.rules().maximumLagOnFailover()).isEqualTo(1 << 20);
        assertThat(c.rules().laggingFailoverAfter()).isEmpty();
        assertThat(c.rules().holdCommitsBelow()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.rules().deferGrace()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.rules().statusTtl()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.roleLabels()).isEqualTo(RoleLabels.LEASEHOLD);
        assertThat(c.httpPort()).isEqualTo(8008);
        assertThat(c.member().config().superuser().password()).isEqualTo("s3cret-super");
        assertThat(c.member().config().replication().password()).isEqualTo("s3cret-repl");
    }

    @Test
    void bootstrapSettingsHaveTheDocumentedDefaultsAndBadOnesNameTheSettingAndTheValue() throws Exception {
        AgentConfig d = AgentSettings.from(env()).toConfig(client);
        assertThat(d.bootstrap()).isEqualTo(dev.leasehold.postgres.Bootstrap.Settings.defaults());
        assertThat(d.bootstrap().initdbArgs()).containsExactly("--encoding=UTF8", "--locale=C");
        assertThat(d.bootstrap().allowFrom()).containsExactly("0.0.0.0/0", "::/0");
        assertThat(d.bootstrap().settings()).isEmpty();

        Map<String, String> env = env();
        env.put("LEASEHOLD_INITDB_ARGS", " --data-checksums   --locale=en_US.UTF-8 ");
        env.put("LEASEHOLD_INITDB_SETTINGS",
                "shared_buffers=256MB; shared_preload_libraries = pg_stat_statements,auto_explain;");
        env.put("LEASEHOLD_INITDB_ALLOW_FROM", "10.0.0.0/8, fd00::/8");
        AgentConfig c = AgentSettings.from(env).toConfig(client);
        assertThat(c.bootstrap().initdbArgs()).containsExactly("--data-checksums", "--locale=en_US.UTF-8");
        assertThat(c.bootstrap().settings()).containsEntry("shared_buffers", "256MB")
                .containsEntry("shared_preload_libraries", "pg_stat_statements,auto_explain").hasSize(2);
        assertThat(c.bootstrap().allowFrom()).containsExactly("10.0.0.0/8", "fd00::/8");
        env.put("LEASEHOLD_INITDB_ARGS", "none");
        assertThat(AgentSettings.from(env).toConfig(client).bootstrap().initdbArgs()).isEmpty();

        for (String[] bad : new String[][] {
                {"LEASEHOLD_INITDB_ARGS", "--pwfile=/etc/pw", "LEASEHOLD_INITDB_ARGS=--pwfile=/etc/pw"},
                {"LEASEHOLD_INITDB_ARGS", "-U admin", "'-U'"},
                {"LEASEHOLD_INITDB_SETTINGS", "fsync", "LEASEHOLD_INITDB_SETTINGS=fsync: 'fsync' is not name=value"},
                {"LEASEHOLD_INITDB_SETTINGS", "port=5433", "LEASEHOLD_INITDB_SETTINGS=port=5433"},
                {"LEASEHOLD_INITDB_ALLOW_FROM", "everyone", "LEASEHOLD_INITDB_ALLOW_FROM=everyone"}}) {
            Map<String, String> e = env();
            e.put(bad[0], bad[1]);
            assertThatThrownBy(() -> AgentSettings.from(e).toConfig(client)).as("%s=%s", bad[0], bad[1])
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad[2]);
        }
    }

    @Test
    void theRecommendedFastFailoverProfileIsAcceptedWithTheDerivedValuesTheReadmeStates() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_LEASE_DURATION", "4s");
        env.put("LEASEHOLD_RENEW_DEADLINE", "3s");
        env.put("LEASEHOLD_RETRY_PERIOD", "1s");
        env.put("LEASEHOLD_FENCE_TIMEOUT", "350ms");
        env.put("LEASEHOLD_STATUS_INTERVAL", "500ms");
        AgentConfig c = AgentSettings.from(env).toConfig(client);
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.fenceTimeout()).isEqualTo(Duration.ofMillis(350));
        assertThat(c.rules().holdCommitsBelow()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.rules().statusTtl()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.rules().hangTimeout()).isEqualTo(Duration.ofSeconds(3));
        // the fence budget is what bounds fenceTimeout at this lease: 2 × 500 ms does not fit in 1 s
        env.put("LEASEHOLD_FENCE_TIMEOUT", "500ms");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageStartingWith("LEASEHOLD_FENCE_TIMEOUT=500ms leaves no room for the fence");
    }

    /**
     * A member keeps its failsafe promise in its agent's memory; a restarted agent takes an expired Lease
     * leaseDuration after it starts. With failsafeWindow 25 s over leaseDuration 10 s, the agent simulation had a
     * member promise, restart 3 s later, reach the API server and promote 10 s after, while the primary still
     * accepted writes on that promise (SimCluster seed 2, 3 members: "t=34200: two members accept writes").
     */
    @Test
    void aFailsafeWindowLongerThanLeaseDurationIsRefusedBecauseARestartedMemberForgetsItsPromise() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_LEASE_DURATION", "10s");
        env.put("LEASEHOLD_RENEW_DEADLINE", "7s");
        env.put("LEASEHOLD_RETRY_PERIOD", "2s");
        env.put("LEASEHOLD_FAILSAFE", "true");
        env.put("LEASEHOLD_FAILSAFE_WINDOW", "25s");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageStartingWith("LEASEHOLD_FAILSAFE_WINDOW=25s must not exceed LEASEHOLD_LEASE_DURATION=10s");
        env.put("LEASEHOLD_FAILSAFE_WINDOW", "10s");
        assertThat(AgentSettings.from(env).toConfig(client).failsafe().orElseThrow().window())
                .isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theFailsafeIsOffByDefaultAndItsWindowAndTimeoutAreCheckedWhenOn() throws Exception {
        Map<String, String> env = env();
        assertThat(AgentSettings.from(env).toConfig(client).failsafe()).isEmpty();
        env.put("LEASEHOLD_LEASE_DURATION", "4s");
        env.put("LEASEHOLD_RENEW_DEADLINE", "3s");
        env.put("LEASEHOLD_RETRY_PERIOD", "1s");
        env.put("LEASEHOLD_FENCE_TIMEOUT", "350ms");
        env.put("LEASEHOLD_FAILSAFE", "true");
        AgentConfig c = AgentSettings.from(env).toConfig(client);
        // offListAfter: (5 min + 2 × 350 ms) × (1 + 2 × 1 %) = 306.7 s, rounded up
        assertThat(c.failsafe()).contains(new AgentConfig.Failsafe(Duration.ofSeconds(4), Duration.ofMillis(500),
                Duration.ofMinutes(5), Duration.ofSeconds(307)));
        env.put("LEASEHOLD_FAILSAFE_WINDOW", "2s");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageStartingWith("LEASEHOLD_FAILSAFE_WINDOW=2s must exceed 2 × fenceTimeout");
        env.put("LEASEHOLD_FAILSAFE_WINDOW", "3900ms");
        env.put("LEASEHOLD_FAILSAFE_TIMEOUT", "2s");
        assertThat(AgentSettings.from(env).toConfig(client).failsafe())
                .contains(new AgentConfig.Failsafe(Duration.ofMillis(3900), Duration.ofSeconds(2),
                        Duration.ofMinutes(5), Duration.ofSeconds(307)));
        env.put("LEASEHOLD_FAILSAFE_LIMIT", "3s");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_FAILSAFE_LIMIT=3s must exceed LEASEHOLD_FAILSAFE_WINDOW=3900ms");
        env.remove("LEASEHOLD_FAILSAFE_LIMIT");
        env.put("LEASEHOLD_HTTP_PORT", "-1");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageStartingWith("LEASEHOLD_FAILSAFE=true needs the HTTP endpoints (LEASEHOLD_HTTP_PORT=-1)");
        env.remove("LEASEHOLD_HTTP_PORT");
        env.put("LEASEHOLD_FAILSAFE", "false");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_FAILSAFE_WINDOW=3900ms needs failsafe on");
        env.put("LEASEHOLD_FAILSAFE", "maybe");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client)).hasMessageContaining("LEASEHOLD_FAILSAFE");
    }

    @Test
    void localDataDirsAreMemberPathPairsAndABadOneIsNamed() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_LOCAL_DATA_DIRS", "pg-1=/data/pg-1, pg-2=/data/pg-2");
        assertThat(AgentSettings.from(env).toConfig(client).localDataDirs())
                .containsEntry("pg-1", Path.of("/data/pg-1")).containsEntry("pg-2", Path.of("/data/pg-2")).hasSize(2);
        env.put("LEASEHOLD_LOCAL_DATA_DIRS", "pg-1");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_LOCAL_DATA_DIRS=pg-1: \"pg-1\" is not member=/absolute/path");
        env.put("LEASEHOLD_LOCAL_DATA_DIRS", "pg-1=relative/dir");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageContaining("pg-1=relative/dir must be an absolute path");
    }

    @Test
    void settingsAreParsedFromTheFileAndTheEnvironmentWins() throws Exception {
        Path file = dir.resolve("agent.conf");
        Files.writeString(file, "# agent\nLEASEHOLD_LEASE_DURATION=15s\nLEASEHOLD_RENEW_DEADLINE=10s\n"
                + "LEASEHOLD_ROLE_LABELS=cloudnativepg\nLEASEHOLD_LAGGING_FAILOVER_AFTER=5m\nLEASEHOLD_PRIORITY=3\n");
        Map<String, String> env = env();
        env.put("LEASEHOLD_CONFIG_FILE", file.toString());
        env.put("LEASEHOLD_PRIORITY", "7");
        AgentConfig c = AgentSettings.from(env).toConfig(client);
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.roleLabels()).isEqualTo(RoleLabels.CLOUDNATIVEPG);
        assertThat(c.rules().laggingFailoverAfter()).contains(Duration.ofMinutes(5));
        assertThat(c.priority()).isEqualTo(7);
    }

    @Test
    void aBadSettingIsNamedWithItsValue() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_FENCE_TIMEOUT", "ten");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client)).hasMessage(
                "LEASEHOLD_FENCE_TIMEOUT=ten is not a duration (e.g. 500ms, 10s, 2m, PT10S)");
        env.put("LEASEHOLD_FENCE_TIMEOUT", "2s");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageStartingWith("LEASEHOLD_FENCE_TIMEOUT=2s leaves no room for the fence");
        env.remove("LEASEHOLD_FENCE_TIMEOUT");
        env.put("LEASEHOLD_HTTP_PORT", "70000");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_HTTP_PORT=70000 must be an integer in [-1, 65535]");
        env.remove("LEASEHOLD_HTTP_PORT");
        env.put("LEASEHOLD_LEASE_DURATOIN", "10s");
        assertThatThrownBy(() -> AgentSettings.from(env)).hasMessageContaining("LEASEHOLD_LEASE_DURATOIN is not a");
        env.remove("LEASEHOLD_LEASE_DURATOIN");
        env.put("LEASEHOLD_ROLE_LABELS", "stolon");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client)).hasMessageContaining("\"stolon\"");
    }

    @Test
    void aMissingPasswordFileIsNamedAndNoPasswordAppearsInAnyMessage() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_SUPERUSER_PASSWORD_FILE", "/nonexistent/su.pw");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_SUPERUSER_PASSWORD_FILE=/nonexistent/su.pw: cannot read it "
                        + "(NoSuchFileException)");
        env.remove("LEASEHOLD_SUPERUSER_PASSWORD_FILE");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client)).hasMessageContaining(
                "LEASEHOLD_SUPERUSER_PASSWORD_FILE (or LEASEHOLD_SUPERUSER_PASSWORD in the environment) is required");
        env.put("LEASEHOLD_SUPERUSER_PASSWORD", "s3cret-super");
        env.put("LEASEHOLD_PORT_TYPO", "1");
        assertThatThrownBy(() -> AgentSettings.from(env)).message().doesNotContain("s3cret");
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "LEASEHOLD_SUPERUSER_PASSWORD=s3cret-super\n");
        env.remove("LEASEHOLD_PORT_TYPO");
        env.put("LEASEHOLD_CONFIG_FILE", file.toString());
        assertThatThrownBy(() -> AgentSettings.from(env)).hasMessageContaining("is not allowed in the file")
                .message().doesNotContain("s3cret");
        assertThat(Optional.of(AgentSettings.parseDuration("x", "500ms"))).contains(Duration.ofMillis(500));
    }

    /**
     * Issue 17, item 11: a refusal named the builder's fields with ISO durations ({@code renewDeadline = PT12S must
     * be below leaseDuration (PT10S)}); it names the variables and the values as given.
     */
    @Test
    void aRuleBrokenBetweenSettingsNamesBothVariablesWithTheValuesAsGiven() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_LEASE_DURATION", "10s");
        env.put("LEASEHOLD_RENEW_DEADLINE", "12s");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_RENEW_DEADLINE=12s must be below LEASEHOLD_LEASE_DURATION=10s");
        env.remove("LEASEHOLD_LEASE_DURATION");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_RENEW_DEADLINE=12s must be below LEASEHOLD_LEASE_DURATION (not set: 10s)");
        env.put("LEASEHOLD_RENEW_DEADLINE", "PT9.5S");
        env.put("LEASEHOLD_RETRY_PERIOD", "9500ms");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessage("LEASEHOLD_RETRY_PERIOD=9500ms must be below LEASEHOLD_RENEW_DEADLINE=PT9.5S");
    }

    /** Issue 17, item 11: {@code LEASEHOLD_SYNCHRONOUS_MODE=yes} was taken as true; the README says true/false. */
    @Test
    void aBooleanOtherThanTrueOrFalseIsRefused() throws Exception {
        for (String name : new String[] {"LEASEHOLD_SYNCHRONOUS_MODE", "LEASEHOLD_SYNCHRONOUS_STRICT",
            "LEASEHOLD_NOFAILOVER", "LEASEHOLD_FAILSAFE"}) {
            for (String bad : new String[] {"yes", "no", "1", "0", "on"}) {
                Map<String, String> env = env();
                env.put(name, bad);
                assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client)).as("%s=%s", name, bad)
                        .hasMessage(name + "=" + bad + " must be true or false");
            }
        }
        Map<String, String> env = env();
        env.put("LEASEHOLD_SYNCHRONOUS_MODE", "TRUE");
        assertThat(AgentSettings.from(env).toConfig(client).synchronous()).isPresent();
    }

    @Test
    void maximumLagOnFailoverTakesTheUnitsLagDoes() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER", "16MB");
        assertThat(AgentSettings.from(env).toConfig(client).rules().maximumLagOnFailover()).isEqualTo(16L << 20);
        env.put("LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER", "16 MB");
        assertThatThrownBy(() -> AgentSettings.from(env).toConfig(client))
                .hasMessageStartingWith("LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER=16 MB is not a byte count");
    }

    /** Issue 17, item 11: the start line lists the settings in force, defaults included, and never a password. */
    @Test
    void theSettingsLineListsWhatIsInForceAndNoPassword() throws Exception {
        Map<String, String> env = env();
        env.put("LEASEHOLD_RENEW_DEADLINE", "6s");
        AgentConfig c = AgentSettings.from(env).toConfig(client);
        String line = AgentSettings.effective(c);
        assertThat(line).contains("LEASEHOLD_MEMBER=pg-0", "LEASEHOLD_LEASE_DURATION=10s",
                "LEASEHOLD_RENEW_DEADLINE=6s", "LEASEHOLD_HOLD_COMMITS_BELOW=2s", "LEASEHOLD_HTTP_PORT=8008",
                "LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER=1048576", "LEASEHOLD_LAGGING_FAILOVER_AFTER=never",
                "LEASEHOLD_FAILSAFE=false").doesNotContain("s3cret", "PASSWORD");
    }
}
