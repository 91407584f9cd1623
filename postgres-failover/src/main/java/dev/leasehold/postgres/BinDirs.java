package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where PostgreSQL's programs are installed on this machine: what the agent uses when {@code PG_BIN} is not set,
 * and what the test harness tries before fetching binaries from Maven.
 */
public final class BinDirs {
    private static final Logger LOG = LoggerFactory.getLogger(BinDirs.class);

    /** The programs a bin directory must hold to run a server. */
    public static final Set<String> REQUIRED = Set.of("initdb", "pg_ctl", "postgres");

    private BinDirs() {
    }

    /** Whether {@code dir} holds every program in {@link #REQUIRED}. */
    public static boolean hasRequired(Path dir) {
        return REQUIRED.stream().allMatch(p -> Files.isExecutable(dir.resolve(p)));
    }

    /** {@code pg_config --bindir} of the first {@code pg_config} on the PATH. */
    public static Optional<Path> fromPgConfig() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(":")) {
            Path pgConfig = Path.of(dir.isEmpty() ? "." : dir, "pg_config");
            if (Files.isExecutable(pgConfig)) {
                try {
                    Process p = new ProcessBuilder(pgConfig.toString(), "--bindir").redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                    if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                        return Optional.of(Path.of(out));
                    }
                } catch (IOException e) {
                    LOG.debug("pg_config at {} failed: {}", pgConfig, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The newest {@code /usr/lib/postgresql/<version>/bin} that holds the required programs (Debian, Ubuntu). */
    public static Optional<Path> newestUsrLib() {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(v -> hasRequired(v.resolve("bin")))
                    .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())))
                    .map(v -> v.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@link #fromPgConfig()} when it holds the required programs, else {@link #newestUsrLib()}. */
    public static Optional<Path> installed() {
        return fromPgConfig().filter(BinDirs::hasRequired).or(BinDirs::newestUsrLib);
    }
}
