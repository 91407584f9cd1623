package dev.leasehold.postgres.testing;

import dev.leasehold.postgres.Cloner;
import dev.leasehold.postgres.PostgresException;
import dev.leasehold.postgres.Postmaster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no test server outlives its run. Each JVM records the base directories of its clusters
 * in {@code java.io.tmpdir/leasehold-pg-runs/<jvm pid>}; a JVM shutdown hook closes what is still
 * open; and before starting servers, {@link #sweepOrphans()} kills the postmasters (and children)
 * of runs whose JVM is gone (e.g. killed with -9) and deletes their directories.
 */
public final class RunRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(RunRegistry.class);
    private static final Set<PostgresCluster> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private RunRegistry() {
    }

    static Path runsDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "leasehold-pg-runs");
    }

    static Path runFile(long pid) {
        return runsDir().resolve(Long.toString(pid));
    }

    static synchronized void register(PostgresCluster cluster) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(RunRegistry::closeAll, "leasehold-pg-cleanup"));
            hookInstalled = true;
        }
        OPEN.add(cluster);
        append(runFile(ProcessHandle.current().pid()), cluster.baseDir());
    }

    static synchronized void unregister(PostgresCluster cluster) {
        OPEN.remove(cluster);
        Path file = runFile(ProcessHandle.current().pid());
        try {
            if (Files.exists(file)) {
                List<String> kept = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.equals(cluster.baseDir().toString())).toList();
                if (kept.isEmpty()) {
                    Files.deleteIfExists(file);
                } else {
                    Files.write(file, kept, StandardCharsets.UTF_8);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot update {}: {}", file, e.toString());
        }
    }

    /** Records a base directory under a JVM pid (tests use it to fake a run that was killed). */
    static synchronized void append(Path runFile, Path baseDir) {
        try {
            Files.createDirectories(runFile.getParent());
            Files.writeString(runFile, baseDir + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot record test cluster in " + runFile + ": " + e, e);
        }
    }

    /**
     * Kills servers of earlier runs whose JVM is no longer alive and deletes their directories.
     *
     * @return how many base directories were cleaned
     */
    public static synchronized int sweepOrphans() {
        Path dir = runsDir();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int cleaned = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!name.matches("\\d+") || ProcessHandle.of(Long.parseLong(name)).map(Postmaster::alive)
                        .orElse(false)) {
                    continue;
                }
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        LOG.info("cleaning up test servers of dead run {}: {}", name, line.strip());
                        killAndDelete(Path.of(line.strip()));
                        cleaned++;
                    }
                }
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("cannot sweep orphaned test servers in {}: {}", dir, e.toString());
        }
        return cleaned;
    }

    /**
     * Stops every postmaster with a data directory directly under {@code baseDir}, then deletes it
     * (unless the system property {@code leasehold.pg.keep} is {@code true}, for debugging).
     */
    static void killAndDelete(Path baseDir) {
        // a server whose start was under way when its agent stopped (pg_ctl outlives the agent's interrupted
        // loop) may come up, and write files, while the directory is being deleted: stop and delete again
        for (int attempt = 1; ; attempt++) {
            if (!Files.isDirectory(baseDir)) {
                return;
            }
            stopPostmasters(baseDir);
            if (Boolean.getBoolean("leasehold.pg.keep")) {
                LOG.info("keeping {} (leasehold.pg.keep=true)", baseDir);
                return;
            }
            try {
                Cloner.deleteTree(baseDir);
                return;
            } catch (PostgresException e) {
                if (attempt == 5) {
                    throw e;
                }
                LOG.info("deleting {} failed ({}): a server started meanwhile; stopping it and trying again",
                        baseDir, e.getMessage());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void stopPostmasters(Path baseDir) {
        try (Stream<Path> dirs = Files.list(baseDir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Postmaster.pid(d).ifPresent(pm -> {
                    LOG.debug("stopping test postmaster {} of {}", pm.pid(), d);
                    Postmaster.quit(pm, Duration.ofSeconds(10));
                });
            }
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", baseDir, e.toString());
        }
    }

    private static void closeAll() {
        for (PostgresCluster c : List.copyOf(OPEN)) {
            try {
                c.close();
            } catch (RuntimeException e) {
                System.err.println("leasehold: cannot stop test cluster " + c.baseDir() + ": " + e);
            }
        }
    }
}
