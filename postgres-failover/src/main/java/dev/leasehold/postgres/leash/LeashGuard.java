package dev.leasehold.postgres.leash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The guard: a small process of its own, started by the agent ({@link Leash}), that stops the agent's PostgreSQL
 * server when the instant the agent last gave it passes, or the moment the agent goes away, whether the agent
 * runs, is paused or is dead. It needs nothing from the agent's JVM at the deadline: it holds the deadline on the
 * machine's monotonic clock ({@code CLOCK_MONOTONIC}, which {@link System#nanoTime()} reads in every JVM on
 * Linux, so both processes share it) and its own thread parks until then.
 *
 * <p>Protocol, one line at a time on standard input (from the agent) and standard output (to it):
 * <ul>
 *   <li>{@code hello <nanos>}: the agent's clock now; the guard refuses to run (exit 3) when it is ahead of its
 *       own, which means the two do not share a clock. Answered {@code ready <pid>}.</li>
 *   <li>{@code until <nanos>}: the server may run until this instant; later or earlier than the one before, the
 *       agent decides. Answered {@code ok <nanos>}.</li>
 *   <li>{@code exit}: the agent stops guarding on purpose (it stopped the server itself, or hands it back); the
 *       guard leaves the server alone and exits 0.</li>
 *   <li>End of input (the agent died: the kernel closes its end of the pipe even after {@code kill -9}): the
 *       server is stopped at once, then the guard exits 0.</li>
 * </ul>
 * Past the deadline the guard keeps any server of the data directory stopped (checked every 20 ms) until a later
 * deadline comes. Every stop is written to standard output ({@code stopped <why>: killed <pids>}) and to
 * standard error, which the agent passes to its own log.
 *
 * <p>Run as {@code java -cp <this jar> dev.leasehold.postgres.leash.LeashGuard <dataDir>}; it uses the JDK only.
 */
public final class LeashGuard {
    static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ServerStop stop;
    private final PrintStream out;
    private final PrintStream err;
    private final String dir;
    private volatile long deadline;
    private volatile long heardNanos = System.nanoTime();
    private volatile boolean armed;
    private volatile String end; // set once input ends: "exit" or "agent gone"
    private volatile Thread enforcer;

    LeashGuard(Path dataDir, PrintStream out, PrintStream err) {
        this.stop = new ServerStop(dataDir);
        this.out = out;
        this.err = err;
        this.dir = dataDir.toString();
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("leasehold guard: usage: LeashGuard <PostgreSQL data directory>");
            System.exit(2);
        }
        LeashGuard g = new LeashGuard(Path.of(args[0]), System.out, System.err);
        System.exit(g.run(System.in));
    }

    /** Reads the agent's lines on a thread of its own and enforces on this one; returns the exit code. */
    int run(InputStream agent) {
        enforcer = Thread.currentThread();
        Thread reader = new Thread(() -> read(agent), "leasehold-guard-input");
        reader.setDaemon(true);
        reader.start();
        try {
            while (end == null) {
                long now = System.nanoTime();
                if (armed && now - deadline >= 0) {
                    stopServer("the deadline passed " + TimeUnit.NANOSECONDS.toMillis(now - deadline)
                            + " ms ago with no newer one from the agent");
                    LockSupport.parkNanos(CHECK_NANOS);
                } else {
                    long wait = armed ? Math.min(deadline - now, CHECK_NANOS * 5) : CHECK_NANOS * 5;
                    LockSupport.parkNanos(Math.max(wait, 0));
                }
            }
            if (end.equals("agent gone")) {
                stopServer("the agent is gone (its end of the pipe closed)");
                return 0;
            }
            return end.startsWith("refused") ? 3 : 0;
        } finally {
            stop.close();
        }
    }

    private void read(InputStream agent) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(agent, StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!accept(line.strip())) {
                    return;
                }
            }
            finish("agent gone");
        } catch (IOException e) {
            finish("agent gone");
        }
    }

    /** Applies one line; false once the guard should stop reading. */
    boolean accept(String line) {
        heardNanos = System.nanoTime();
        String[] w = line.split(" ");
        try {
            switch (w[0]) {
                case "hello" -> {
                    long theirs = Long.parseLong(w[1]);
                    long mine = System.nanoTime();
                    if (theirs - mine > TimeUnit.MILLISECONDS.toNanos(100)) {
                        err.println("leasehold guard: " + dir + ": the agent's clock reads " + theirs
                                + " ns, ahead of this process's " + mine + ": no shared monotonic clock; refusing");
                        finish("refused: no shared clock");
                        return false;
                    }
                    say("ready " + ProcessHandle.current().pid());
                }
                case "until" -> {
                    deadline = Long.parseLong(w[1]);
                    armed = true;
                    Thread t = enforcer;
                    if (t != null) {
                        LockSupport.unpark(t);
                    }
                    say("ok " + w[1]);
                }
                case "exit" -> {
                    finish("exit");
                    return false;
                }
                default -> err.println("leasehold guard: " + dir + ": ignoring an unknown line from the agent: \""
                        + shorten(line) + "\"");
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            err.println("leasehold guard: " + dir + ": ignoring a malformed line from the agent: \"" + shorten(line)
                    + "\"");
        }
        return true;
    }

    private void finish(String why) {
        if (end == null) {
            end = why;
        }
        Thread t = enforcer;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void stopServer(String why) {
        Optional<String> killed = stop.stopNow();
        if (killed.isPresent()) {
            String line = "stopped " + why + " (last line from the agent "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - heardNanos) + " ms ago): " + killed.get();
            say(line);
            err.println("leasehold guard: " + dir + ": PostgreSQL " + line);
        }
    }

    private synchronized void say(String line) {
        out.println(line);
        out.flush();
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
