package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.time.Duration;

/** Reads {@code postmaster.pid} to find a live postmaster; also used to kill one and its children. */
public final class Postmaster {
    private Postmaster() {
    }

    /** The live postmaster of a data directory, if any. */
    public static Optional<ProcessHandle> pid(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            return ProcessHandle.of(pid).filter(Postmaster::alive)
                    .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Immediate shutdown by signal (SIGQUIT, what {@code pg_ctl stop -m immediate} sends), waiting up to
     * {@code bound}; past it, kills. Lets the postmaster release its shared memory, unlike a kill.
     *
     * @return whether the postmaster is gone
     */
    public static boolean quit(ProcessHandle postmaster, Duration bound) {
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(postmaster.pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            kill(postmaster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(postmaster);
        }
        if (!Fence.waitForExit(postmaster, bound)) {
            kill(postmaster);
            return Fence.waitForExit(postmaster, bound);
        }
        return true;
    }

    /**
     * Whether a process is alive and not a zombie. A killed postmaster whose parent has exited waits
     * as a zombie until init reaps it, which on some machines takes seconds; it serves nothing.
     */
    public static boolean alive(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"),
                    StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return process.isAlive();
        }
    }

    /**
     * Waits up to {@code bound} until a dead postmaster recorded in {@code postmaster.pid} is reaped.
     * PostgreSQL refuses to start while the recorded pid still exists, and a killed postmaster stays
     * a zombie until init reaps it.
     */
    public static void awaitReaped(Path dataDir, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return;
            }
            Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(lines.get(0).strip()));
            while (p.isPresent() && p.get().isAlive() && !alive(p.get()) && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
        } catch (IOException | NumberFormatException e) {
            // no pid file, or not ours to judge: pg_ctl start will say
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while waiting for a dead postmaster to be reaped", e);
        }
    }

    /** Waits up to {@code bound} for a process to exit (zombies count as exited). */
    public static boolean awaitExit(ProcessHandle process, Duration bound) {
        return Fence.waitForExit(process, bound);
    }

    /** Sends SIGKILL to the postmaster's children and to the postmaster, like a node dying. */
    public static void kill(ProcessHandle postmaster) {
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
