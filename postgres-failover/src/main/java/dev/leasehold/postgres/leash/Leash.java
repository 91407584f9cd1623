package dev.leasehold.postgres.leash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The agent's end of the leash: starts a {@link LeashGuard} process for one data directory and tells it, on the
 * shared monotonic clock, until when the server may run. The guard stops the server at that instant, or at once
 * when this JVM dies, without needing this JVM to run then.
 *
 * <p>Deadlines are absolute ({@link System#nanoTime()}), so a line written late (this JVM paused between reading
 * the clock and writing) can only be too early, never too late. A deadline more than {@link #JITTER} earlier than
 * the last is sent at once; a later one once it extends the last by more than {@link #EXTEND_STEP}, so a standby's
 * steady extension costs a few writes a second, and the guard's instant is never more than {@link #JITTER} later
 * than the one asked for. Thread-safe.
 */
public final class Leash implements AutoCloseable {
    /** The smallest extension worth a line to the guard. */
    public static final Duration EXTEND_STEP = Duration.ofMillis(100);
    /** How much earlier than the last a deadline may be and still not be sent: the jitter of reading it. */
    public static final Duration JITTER = Duration.ofMillis(1);

    private final Process guard;
    private final OutputStream toGuard;
    private final CompletableFuture<Long> ready = new CompletableFuture<>();
    private final Consumer<String> onStop;
    private volatile boolean gone;
    private long sent;
    private boolean armed;

    private Leash(Process guard, Consumer<String> onStop) {
        this.guard = guard;
        this.toGuard = guard.getOutputStream();
        this.onStop = onStop;
        Thread reader = new Thread(this::read, "leasehold-leash-" + guard.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the guard of {@code dataDir} and arms it with {@code firstDeadline}; returns once it answered.
     *
     * @param onStop told each line the guard writes when it stopped the server (on a thread of the leash's)
     * @throws GuardStartException naming the command when the guard does not start within {@code timeout}
     */
    public static Leash start(Path dataDir, long firstDeadline, Duration timeout, Consumer<String> onStop) {
        List<String> command = command(dataDir);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new GuardStartException("cannot start the guard process for " + dataDir + " (" + command.get(0)
                    + "): " + e.getMessage(), e);
        }
        Leash leash = new Leash(p, onStop);
        try {
            leash.write("hello " + System.nanoTime());
            leash.until(firstDeadline);
            leash.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return leash;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new GuardStartException("interrupted while starting the guard for " + dataDir, e);
        } catch (ExecutionException | TimeoutException | IllegalStateException e) {
            p.destroyForcibly();
            throw new GuardStartException("the guard process for " + dataDir + " did not start within " + timeout
                    + " (" + command.get(0) + " ... LeashGuard): " + e.getMessage(), e);
        }
    }

    /** The guard's command: this JVM's {@code java}, small heap, the guard's own class path entry only. */
    static List<String> command(Path dataDir) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp;
        try {
            cp = Path.of(LeashGuard.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            cp = System.getProperty("java.class.path");
        }
        return List.of(java, "-Xms4m", "-Xmx16m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData", "-Xshare:auto", "-cp", cp, LeashGuard.class.getName(), dataDir.toString());
    }

    /** The guard's process id. */
    public long pid() {
        return guard.pid();
    }

    /** Whether the guard runs and reads what this end writes. */
    public boolean alive() {
        return !gone && guard.isAlive();
    }

    /**
     * The server may run until {@code deadlineNanos} ({@link System#nanoTime()}), and no longer (within
     * {@link #JITTER}). An earlier instant is sent at once; a later one when it extends the last by more than
     * {@link #EXTEND_STEP}.
     *
     * @return whether the guard holds that instant or an earlier one (false: the guard is gone)
     */
    public synchronized boolean until(long deadlineNanos) {
        long change = deadlineNanos - sent;
        if (armed && change >= -JITTER.toNanos() && change <= EXTEND_STEP.toNanos()) {
            return alive();
        }
        if (!write("until " + deadlineNanos)) {
            return false;
        }
        sent = deadlineNanos;
        armed = true;
        return true;
    }

    private synchronized boolean write(String line) {
        if (gone) {
            return false;
        }
        try {
            toGuard.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            toGuard.flush();
            return true;
        } catch (IOException e) {
            gone = true;
            return false;
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(guard.getInputStream(),
                StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("ready ")) {
                    ready.complete(Long.parseLong(line.substring(6).strip()));
                } else if (line.startsWith("stopped ")) {
                    try {
                        onStop.accept(line.substring(8));
                    } catch (RuntimeException e) {
                        // a listener's failure must not stop the reading
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the guard is gone; alive() says so
        } finally {
            gone = true;
            ready.completeExceptionally(new IllegalStateException("the guard exited"
                    + (guard.isAlive() ? "" : " with code " + exitCode())));
        }
    }

    private String exitCode() {
        try {
            return Integer.toString(guard.exitValue());
        } catch (IllegalThreadStateException e) {
            return "?";
        }
    }

    /**
     * Ends the leash on purpose: the guard leaves the server as it is and exits. Call it after stopping the
     * server, or to hand a server back (then nothing guards it).
     */
    @Override
    public void close() {
        write("exit");
        end();
    }

    /**
     * Ends the leash as this JVM's death would: the guard stops the server at once and exits. For tests and for
     * an agent that gives up its member.
     */
    public void drop() {
        synchronized (this) {
            gone = true;
            try {
                toGuard.close();
            } catch (IOException e) {
                // closed either way
            }
        }
        end();
    }

    private void end() {
        try {
            if (!guard.waitFor(5, TimeUnit.SECONDS)) {
                guard.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            guard.destroyForcibly();
        }
    }
}
