package dev.leasehold.samples.interop;

import dev.leasehold.samples.bench.Timing;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * client-go's elector as a child process: the program in {@code samples/interop/client-go}, built by the user
 * (it needs a Go toolchain). Its {@code EVENT} lines are collected as {@link ClientGoEvent}s; its stderr
 * (client-go's klog) goes to a file next to nothing else, so that a failure can be read afterwards.
 */
public final class ClientGoElector implements AutoCloseable {

    private final String identity;
    private final Process process;
    private final List<ClientGoEvent> events = new ArrayList<>();
    private final Thread reader;
    private final Path log;

    private ClientGoElector(String identity, Process process, Path log, Consumer<ClientGoEvent> listener) {
        this.identity = identity;
        this.process = process;
        this.log = log;
        this.reader = new Thread(() -> read(listener), "client-go-" + identity);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Starts the binary as a candidate for {@code default/<lease>} on {@code serverUrl}, releasing on stop, its
     * stopped-leading callback taking {@code stopDelay}.
     *
     * @param listener hears each event on the reader thread, as it arrives
     * @throws IllegalArgumentException if {@code binary} is not an executable file, naming it
     */
    public static ClientGoElector start(Path binary, String serverUrl, String lease, String identity, Timing timing,
            Duration stopDelay, Consumer<ClientGoEvent> listener) {
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new IllegalArgumentException("client-go elector binary " + binary
                    + " is not an executable file; build samples/interop/client-go (see its README)");
        }
        try {
            Path log = Files.createTempFile("clientgo-" + identity + "-", ".log");
            Process process = new ProcessBuilder(binary.toString(), "-server", serverUrl, "-id", identity,
                    "-name", lease, "-namespace", "default",
                    "-lease", millis(timing.leaseDuration()), "-renew", millis(timing.renewDeadline()),
                    "-retry", millis(timing.retryPeriod()), "-release-on-cancel=true", "-stop-delay", millis(stopDelay))
                    .redirectError(log.toFile())
                    .start();
            return new ClientGoElector(identity, process, log, listener);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start client-go elector " + binary, e);
        }
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + "ms";
    }

    private void read(Consumer<ClientGoEvent> listener) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Optional<ClientGoEvent> event = ClientGoEvent.parse(line);
                if (event.isPresent()) {
                    synchronized (events) {
                        events.add(event.get());
                        events.notifyAll();
                    }
                    listener.accept(event.get());
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("# client-go elector " + identity + ": " + e.getMessage());
        } finally {
            synchronized (events) {
                events.notifyAll();
            }
        }
    }

    public String identity() {
        return identity;
    }

    /** Where its stderr (client-go's klog lines) goes. */
    public Path log() {
        return log;
    }

    /** The events so far, in order. */
    public List<ClientGoEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The first event named {@code name}, if it came. */
    public Optional<ClientGoEvent> first(String name) {
        return events().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /**
     * Waits for the first event matching {@code match}.
     *
     * @throws IllegalStateException naming what was awaited and what came, if it does not come within
     *         {@code limit} or the process ends first
     */
    public ClientGoEvent await(String what, Predicate<ClientGoEvent> match, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (events) {
            while (true) {
                Optional<ClientGoEvent> found = events.stream().filter(match).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new IllegalStateException("client-go elector " + identity + ": no " + what + " within "
                            + limit + " (alive: " + process.isAlive() + "); events: " + events + "; log: " + log);
                }
                TimeUnit.NANOSECONDS.timedWait(events, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /** Waits for the first event named {@code name}. */
    public ClientGoEvent await(String name, Duration limit) throws InterruptedException {
        return await(name, e -> e.name().equals(name), limit);
    }

    /**
     * Asks it to stop as on shutdown: it cancels client-go's context (so client-go releases the Lease and then
     * runs its stopped-leading callback) and exits. Returns at once.
     */
    public void requestStop() {
        try {
            OutputStream in = process.getOutputStream();
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            process.destroy(); // stdin already closed: SIGTERM stops it the same way
        }
    }

    /** Waits for the process to end; false if it did not within {@code limit}. */
    public boolean awaitExit(Duration limit) throws InterruptedException {
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * client-go's error lines so far (klog severity {@code E}: failed reads, failed updates or releases), read from
     * its log.
     */
    public List<String> errorLines() {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.startsWith("E")).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of("cannot read " + log + ": " + e.getMessage());
        }
    }

    /** Stops it (SIGTERM, then SIGKILL after 5 s) and deletes its log unless it failed. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (process.isAlive() || process.exitValue() == 0) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temporary file; nothing is lost
            }
        }
    }

    @Override
    public String toString() {
        return "client-go elector " + identity + " (pid " + process.pid() + ")";
    }
}
