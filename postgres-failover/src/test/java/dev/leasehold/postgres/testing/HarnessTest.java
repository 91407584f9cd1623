package dev.leasehold.postgres.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.PostgresStatus;
import dev.leasehold.postgres.Postmaster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The harness's faults (kill -9, partition, restart) and its guarantee that no server is left behind. */
class HarnessTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * The bug: {@code close()} failed with DirectoryNotEmptyException when a server came up (its start was under
     * way as its agent stopped) and wrote files while the directory was being deleted.
     */
    @Test
    void closeDeletesTheDirectoryEvenWhenFilesAppearInItWhileItIsBeingDeleted() throws Exception {
        PostgresCluster c = PostgresCluster.withoutData(1);
        Path stats = c.baseDir().resolve("pg-0").resolve("pg_stat");
        Files.createDirectories(stats);
        long until = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
        Thread writer = new Thread(() -> { // what a server that just started does: write files, for a while
            for (int i = 0; System.nanoTime() - until < 0; i++) {
                try {
                    Files.writeString(stats.resolve("f" + i), "x");
                } catch (IOException e) {
                    // its directory is gone: nothing more to write into
                }
            }
        });
        writer.start();
        try {
            Thread.sleep(50);
            c.close();
        } finally {
            writer.join();
        }
        assertThat(Files.exists(c.baseDir())).isFalse();
    }

    @Test
    void kill9PartitionAndRestartBehaveLikeTheRealThing() {
        try (PostgresCluster c = PostgresCluster.start(2)) {
            PostgresInstance pg0 = c.member(0);
            PostgresInstance pg1 = c.member(1);
            Rows.seed(c, 10);
            assertThat(c.primary()).isSameAs(pg0);
            assertThat(c.replicas()).containsExactly(pg1);

            c.kill9(1);
            assertThat(pg1.status().state()).isEqualTo(PostgresStatus.State.UNREACHABLE);
            await().atMost(WAIT).until(() -> pg0.status().replicas().isEmpty());
            Lsn during = Rows.insert(pg0, "during-kill", 11, 20);
            c.restart(1);
            Rows.awaitReplayed(pg1, during);
            assertThat(Rows.ids(pg1, "during-kill")).isEqualTo(Rows.range(11, 20));

            c.partition(1);
            await().atMost(WAIT).until(() -> pg1.status().upstream().isEmpty() && pg0.status().replicas().isEmpty());
            Lsn cut = Rows.insert(pg0, "during-partition", 21, 30);
            assertThat(pg1.status().replayLsn().orElseThrow()).isLessThan(cut);
            c.heal(1);
            Rows.awaitReplayed(pg1, cut);

            c.partition(0);
            await().atMost(WAIT).until(() -> !pg1.status().streaming());
            c.heal(0);
            Rows.awaitReplayed(pg1, Rows.insert(pg0, "after-heal", 31, 40));

            c.kill9(0);
            assertThat(pg0.status().state()).isEqualTo(PostgresStatus.State.UNREACHABLE);
            c.restart(0);
            assertThat(pg0.status().state()).isEqualTo(PostgresStatus.State.PRIMARY);
            Rows.awaitReplayed(pg1, Rows.insert(pg0, "after-crash", 41, 50));
            assertThat(Rows.ids(pg1, "after-crash")).isEqualTo(Rows.range(41, 50));

            // a standby without hot standby answers "not accepting connections": STARTING, not an exception
            pg1.execute("ALTER SYSTEM SET hot_standby = off");
            pg1.fence(WAIT);
            c.restart(1);
            PostgresStatus starting = pg1.status();
            assertThat(starting.state()).isEqualTo(PostgresStatus.State.STARTING);
            assertThat(starting.problem().orElseThrow()).contains(pg1.describe()).contains("not accepting");
        }
    }

    @Test
    void closeStopsEveryServerAndDeletesTheDirectory() {
        PostgresCluster c = PostgresCluster.start(1);
        ProcessHandle postmaster;
        try {
            postmaster = Postmaster.pid(c.member(0).config().dataDir().orElseThrow()).orElseThrow();
        } finally {
            c.close();
        }
        c.close();
        assertThat(Postmaster.alive(postmaster)).isFalse();
        assertThat(c.baseDir()).doesNotExist();
    }

    @Test
    void aJvmThatExitsStopsItsServersThroughTheShutdownHook() throws Exception {
        Process child = childJvm("exit");
        Map<String, String> out = readBaseAndPid(child);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessHandle.of(Long.parseLong(out.get("PID"))).map(Postmaster::alive).orElse(false)).isFalse();
        assertThat(Path.of(out.get("BASE"))).doesNotExist();
    }

    @Test
    void serversOfAKilledJvmAreCleanedUpByTheNextRunsSweep() throws Exception {
        Process child = childJvm("hang");
        Map<String, String> out = readBaseAndPid(child);
        ProcessHandle postmaster = ProcessHandle.of(Long.parseLong(out.get("PID"))).orElseThrow();
        assertThat(Files.isDirectory(Path.of(out.get("BASE")))).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Postmaster.alive(postmaster)).as("the killed JVM left its server behind").isTrue();

        assertThat(RunRegistry.sweepOrphans()).isGreaterThanOrEqualTo(1);
        assertThat(Postmaster.alive(postmaster)).isFalse();
        assertThat(Path.of(out.get("BASE"))).doesNotExist();
        assertThat(RunRegistry.runFile(child.pid())).doesNotExist();
    }

    private static Process childJvm(String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ClusterMain.class.getName(), mode).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static Map<String, String> readBaseAndPid(Process child) throws IOException {
        Map<String, String> out = new HashMap<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while (out.size() < 2 && (line = r.readLine()) != null) {
            String[] kv = line.split(" ", 2);
            if (kv.length == 2 && (kv[0].equals("BASE") || kv[0].equals("PID"))) {
                out.put(kv[0], kv[1]);
            }
        }
        assertThat(out).as("child JVM output").containsKeys("BASE", "PID");
        return out;
    }
}
