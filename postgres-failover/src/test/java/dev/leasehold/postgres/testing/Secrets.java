package dev.leasehold.postgres.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.PostgresInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checks that a cluster's passwords appear in no process argument, configuration file or server log. */
public final class Secrets {
    private Secrets() {
    }

    public static void assertNotLeaked(PostgresCluster cluster) {
        List<String> passwords = List.of(cluster.superuser().password(), cluster.replication().password());
        ProcessHandle.allProcesses().forEach(p -> {
            String commandLine = p.info().commandLine().orElse("");
            for (String pw : passwords) {
                assertThat(commandLine).as("command line of process %d", p.pid()).doesNotContain(pw);
            }
        });
        for (PostgresInstance m : cluster.members()) {
            Path data = m.config().dataDir().orElseThrow();
            for (Path f : List.of(data.resolve("postgresql.conf"), data.resolve("postgresql.auto.conf"),
                    data.resolve("pg_hba.conf"), m.config().logFile())) {
                String text = read(f);
                for (String pw : passwords) {
                    assertThat(text).as("%s", f).doesNotContain(pw);
                }
            }
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
