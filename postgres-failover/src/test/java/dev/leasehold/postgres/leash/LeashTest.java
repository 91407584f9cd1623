package dev.leasehold.postgres.leash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.Postmaster;
import dev.leasehold.postgres.testing.PostgresCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The guard process against a real PostgreSQL server: it stops every process of it at the deadline, or at once. */
class LeashTest {
    static final Duration START = Duration.ofSeconds(30);
    static final Duration BOUND = Duration.ofSeconds(20);

    @Test
    void theGuardStopsEveryProcessOfTheServerWhenItsDeadlinePasses() {
        try (PostgresCluster pg = PostgresCluster.start(1)) {
            Path data = pg.member(0).config().dataDir().orElseThrow();
            long pm = Postmaster.pid(data).orElseThrow().pid();
            List<Long> children = ServerStop.children(pm);
            assertThat(children).as("the postmaster's children").isNotEmpty();
            List<String> said = new CopyOnWriteArrayList<>();
            try (Leash leash = Leash.start(data, System.nanoTime() + Duration.ofMinutes(5).toNanos(), START,
                    said::add)) {
                assertThat(ServerStop.alive(pm)).as("running while the deadline is ahead").isTrue();
                leash.until(System.nanoTime() + Duration.ofMillis(300).toNanos());
                await().atMost(BOUND).until(() -> !ServerStop.alive(pm));
                assertThat(children).allSatisfy(c -> assertThat(ServerStop.alive(c)).as("child " + c).isFalse());
                await().atMost(BOUND).until(() -> !said.isEmpty());
                assertThat(said.get(0)).contains("deadline passed").contains("killed " + pm);
            }
        }
    }

    @Test
    void aDeadlineKeptAheadKeepsTheServerRunningAndTheGuardStopsItOnceItIsNoLongerMoved() throws Exception {
        try (PostgresCluster pg = PostgresCluster.start(1)) {
            Path data = pg.member(0).config().dataDir().orElseThrow();
            long pm = Postmaster.pid(data).orElseThrow().pid();
            try (Leash leash = Leash.start(data, System.nanoTime() + Duration.ofSeconds(10).toNanos(), START,
                    line -> { })) {
                for (int i = 0; i < 15; i++) {
                    leash.until(System.nanoTime() + Duration.ofSeconds(10).toNanos());
                    Thread.sleep(200);
                }
                assertThat(ServerStop.alive(pm)).as("alive while the deadline keeps moving").isTrue();
                assertThat(leash.alive()).isTrue();
                leash.until(System.nanoTime());
                await().atMost(BOUND).until(() -> !ServerStop.alive(pm));
            }
        }
    }

    @Test
    void theGuardStopsTheServerAtOnceWhenTheAgentGoesAway() {
        try (PostgresCluster pg = PostgresCluster.start(1)) {
            Path data = pg.member(0).config().dataDir().orElseThrow();
            long pm = Postmaster.pid(data).orElseThrow().pid();
            Leash leash = Leash.start(data, System.nanoTime() + Duration.ofMinutes(5).toNanos(), START, line -> { });
            leash.drop(); // what the kernel does to the pipe when the agent's JVM dies, even by kill -9
            await().atMost(BOUND).until(() -> !ServerStop.alive(pm));
            assertThat(leash.alive()).isFalse();
        }
    }

    @Test
    void anExitOnPurposeLeavesTheServerRunning() {
        try (PostgresCluster pg = PostgresCluster.start(1)) {
            Path data = pg.member(0).config().dataDir().orElseThrow();
            long pm = Postmaster.pid(data).orElseThrow().pid();
            Leash leash = Leash.start(data, System.nanoTime() + Duration.ofMinutes(5).toNanos(), START, line -> { });
            leash.close();
            assertThat(leash.alive()).isFalse();
            assertThat(ServerStop.alive(pm)).isTrue();
            assertThat(pg.member(0).status().state()).isEqualTo(dev.leasehold.postgres.PostgresStatus.State.PRIMARY);
        }
    }

    @Test
    void aCommitWaitingAtTheDeadlineIsNeverAcknowledged() throws Exception {
        try (PostgresCluster pg = PostgresCluster.start(1)) {
            PostgresInstance primary = pg.member(0);
            Path data = primary.config().dataDir().orElseThrow();
            primary.execute("CREATE TABLE held (id int)");
            // the commit waits for a synchronous standby that does not exist, as a held commit does
            primary.execute("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
            primary.execute("SELECT pg_reload_conf()");
            try (Leash leash = Leash.start(data, System.nanoTime() + Duration.ofMinutes(5).toNanos(), START,
                    line -> { }); Connection c = primary.connect()) {
                CompletableFuture<String> commit = CompletableFuture.supplyAsync(() -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("INSERT INTO held VALUES (1)");
                        return "acknowledged";
                    } catch (SQLException e) {
                        return "refused: " + e.getMessage();
                    }
                });
                await().atMost(BOUND).until(() -> primary.status().state()
                        == dev.leasehold.postgres.PostgresStatus.State.PRIMARY);
                assertThat(commit).isNotDone();
                leash.until(System.nanoTime());
                assertThat(commit.get(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).startsWith("refused");
            }
        }
    }

    @Test
    void aGuardWhoseClockTheAgentIsAheadOfRefusesToRun() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LeashGuard g = new LeashGuard(Path.of("/nonexistent"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String lines = "hello " + (System.nanoTime() + Duration.ofHours(1).toNanos()) + "\n";
        int code = g.run(new ByteArrayInputStream(lines.getBytes(StandardCharsets.US_ASCII)));
        assertThat(code).isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no shared monotonic clock");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("ready");
    }

    @Test
    void malformedLinesAreNamedAndIgnored() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LeashGuard g = new LeashGuard(Path.of("/nonexistent"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String lines = "hello " + System.nanoTime() + "\nuntil soon\nwhatever\nexit\n";
        assertThat(g.run(new ByteArrayInputStream(lines.getBytes(StandardCharsets.US_ASCII)))).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("malformed line from the agent: \"until soon\"")
                .contains("unknown line from the agent: \"whatever\"");
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ready ");
    }

    @Test
    void aGuardThatCannotStartIsAClearError() {
        assertThatThrownBy(() -> Leash.start(Path.of("/nonexistent"), System.nanoTime(), Duration.ofMillis(1),
                line -> { })).isInstanceOf(GuardStartException.class).hasMessageContaining("guard process for");
    }
}
