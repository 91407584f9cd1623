package dev.leasehold.samples.pgdemo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leasehold.postgres.agent.WriteProbe;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The PostgreSQL HA demo, README's first command ({@code ./mvnw -q -B -pl samples exec:java}): real PostgreSQL
 * servers, one agent process each (as in pods), an embedded Kubernetes API unless {@code --kubernetes=real}, a live
 * status table and a writer; then kill -9 of the primary, the failover, the killed member's rejoin, a planned
 * switchover, a summary and a timeline chart. Everything it starts is stopped and deleted at the end, on an error
 * and on Ctrl-C. {@code --help} lists the options.
 */
public final class PgDemo {
    static final Duration LEASE = Duration.ofSeconds(5);
    static final Duration RENEW = Duration.ofSeconds(3);
    static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** How long the demo waits for the killed member to rejoin before it says so and goes on. */
    private static final Duration REJOIN_WAIT = Duration.ofSeconds(45);

    private final DemoOptions options;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final List<TimelineChart.Marker> markers = new ArrayList<>();
    private final AtomicBoolean polling = new AtomicBoolean(true);
    private Thread poller;
    private DemoWorld world;
    private StatusTable table;
    private WriteProbe writer;

    private PgDemo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("pgdemo: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(DemoOptions.USAGE);
            return;
        }
        try {
            run(options, System.out);
        } catch (RuntimeException e) {
            System.err.println("pgdemo: failed: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    /** Runs the whole demo and cleans up; with {@code --keep-running}, only after Ctrl-C. */
    public static DemoSummary run(DemoOptions options, PrintStream out) {
        return run(options, out, w -> { });
    }

    /** As {@link #run(DemoOptions, PrintStream)}; {@code beforeClose} sees the running world last (tests). */
    static DemoSummary run(DemoOptions options, PrintStream out, java.util.function.Consumer<DemoWorld> beforeClose) {
        System.setProperty("java.awt.headless", "true");
        PgDemo demo = new PgDemo(options, out);
        DemoWorld world = new DemoWorld(options, out);
        demo.world = world;
        Thread hook = new Thread(world::close, "pgdemo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        RuntimeException failure = null;
        try {
            world.start();
            DemoSummary summary = demo.script();
            if (options.keepRunning()) {
                world.printHowToReach();
                demo.startPolling();
                demo.redrawUntilInterrupted();
            }
            return summary;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            demo.polling.set(false);
            if (demo.writer != null) {
                demo.writer.close();
            }
            try {
                beforeClose.accept(world);
            } catch (RuntimeException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            } finally {
                world.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs (or ran) the same idempotent close
                }
            }
        }
    }

    private DemoSummary script() {
        table = new StatusTable(out, StatusTable.terminal(), start);
        Members members = world.members();
        table.header();
        startPolling();
        world.startAgents();
        String primary = await(() -> primary(members, true), "a primary with streaming replicas");
        table.event("primary " + primary + ", replicas streaming; starting the writer (one session per member, "
                + "only the primary acknowledges)");
        writer = new WriteProbe(world.pg(), world.instance(primary));
        long chartStart = System.nanoTime() - Duration.ofSeconds(1).toNanos();
        pause(options.quiet());

        long leaseLeftNanos = Math.max(0, world.leaseChangedNanos() + LEASE.toNanos() - System.nanoTime());
        long kill = System.nanoTime();
        world.kill9(primary);
        mark("kill -9 " + primary, kill);
        table.event("kill -9 " + primary + " (its PostgreSQL and its agent: no fence, no release); the lease it "
                + "holds runs " + ms(leaseLeftNanos) + " more");
        mark("lease expiry", kill + leaseLeftNanos);
        Thread expiry = new Thread(() -> {
            try {
                Thread.sleep(Duration.ofNanos(leaseLeftNanos).toMillis());
                table.event("the lease " + primary + " held has expired: the best replica may take it now");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pgdemo-lease-expiry");
        expiry.setDaemon(true);
        expiry.start();
        String killed = primary;
        String next = await(() -> primary(members, false).filter(p -> !p.equals(killed)), "a new primary");
        mark("promotion " + next, System.nanoTime());
        WriteProbe.Ack first = await(() -> writer.firstAfter(next, kill), "a write acknowledged by " + next);
        long rto = first.ackedNanos() - kill;
        table.event("failover: " + next + " acknowledged its first write " + ms(rto) + " after the kill ("
                + ms(rto - leaseLeftNanos) + " after the lease expired)");
        pause(options.quiet().dividedBy(2));

        long restart = System.nanoTime();
        world.restartAgent(killed);
        table.event("restarting " + killed + "'s agent: it should rejoin as a replica of " + next);
        Optional<Duration> rejoin = awaitAtMost(REJOIN_WAIT, () -> members.last(killed)
                .filter(v -> v.replicaOf(next)).map(v -> Duration.ofNanos(System.nanoTime() - restart)));
        if (rejoin.isPresent()) {
            mark("rejoin " + killed, System.nanoTime());
            table.event(killed + " rejoined as a replica of " + next + " in " + ms(rejoin.get().toNanos()));
        } else {
            table.event(killed + " did not rejoin within " + REJOIN_WAIT.toSeconds() + " s; its agent's last "
                    + "warning: " + world.lastWarning(killed).orElse("(none)"));
        }
        pause(options.quiet());

        Switchover sw = switchover(members, next);
        pause(options.quiet());

        writer.close();
        String last = await(() -> primary(members, rejoin.isPresent()), "a primary at the end");
        pause(Duration.ofSeconds(1)); // replicas catch up; the count below is read on the primary
        var rows = WriteProbe.rowsOn(world.instance(last));
        List<WriteProbe.Ack> acks = writer.acks();
        List<WriteProbe.Ack> lostAcks = acks.stream().filter(a -> !rows.contains(a.id())).toList();
        long lost = lostAcks.size();
        java.util.Set<String> lostFrom = new java.util.TreeSet<>(lostAcks.stream().map(WriteProbe.Ack::member)
                .toList());
        List<TimelineChart.Ack> points = acks.stream().map(a -> new TimelineChart.Ack(a.member(), a.ackedNanos()))
                .toList();
        var chart = TimelineChart.write(options.chart(), "Leasehold PostgreSQL demo: " + world.size()
                + " members, lease " + LEASE.toSeconds() + "s/" + RENEW.toSeconds() + "s/" + RETRY.toSeconds()
                + "s", chartStart, points, markers);
        DemoSummary s = new DemoSummary(killed, next, Duration.ofNanos(rto), Duration.ofNanos(rto - leaseLeftNanos),
                rejoin, sw.took(), sw.note(), acks.size(), lost, lostFrom, world.synchronous(), chart);
        stopPolling();
        printSummary(s);
        return s;
    }

    private record Switchover(Optional<Duration> took, String note) {
    }

    private Switchover switchover(Members members, String from) {
        if (world.switchoverToken().isEmpty()) {
            table.event("switchover: not available in this build");
            return new Switchover(Optional.empty(), "not available in this build");
        }
        long asked = System.nanoTime();
        mark("switchover asked", asked);
        table.event("switchover: POST /switchover to " + from + " (to the best replica)");
        Map.Entry<Integer, String> r = members.post(from, "/switchover", world.switchoverToken().get(), "{}",
                Duration.ofSeconds(60));
        if (r.getKey() == 404) {
            table.event("switchover: not available in this build");
            return new Switchover(Optional.empty(), "not available in this build");
        }
        if (r.getKey() != 200) {
            table.event("switchover: refused, HTTP " + r.getKey() + " " + r.getValue().strip());
            return new Switchover(Optional.empty(), "refused: HTTP " + r.getKey() + " " + r.getValue().strip());
        }
        JsonNode answer = Members.parse(r.getValue());
        String to = answer.path("to").asText();
        WriteProbe.Ack first = await(() -> writer.firstAfter(to, asked), "a write acknowledged by " + to);
        long took = first.ackedNanos() - asked;
        mark("switchover to " + to, first.ackedNanos());
        table.event("switchover: " + from + " -> " + to + ", term " + answer.path("term").asText() + "; first write on "
                + to + " " + ms(took) + " after the request (agent says " + answer.path("elapsedMs").asText() + " ms)");
        return new Switchover(Optional.of(Duration.ofNanos(took)), from + " -> " + to);
    }

    private void printSummary(DemoSummary s) {
        out.println();
        out.println("summary");
        out.printf(Locale.ROOT, "  failover:    kill -9 %s -> %s writable, RTO %s (kill to first acknowledged write)%n",
                s.killed(), s.newPrimary(), ms(s.rto().toNanos()));
        out.printf(Locale.ROOT, "  over lease:  %s (RTO minus the lease %s still held at the kill)%n",
                ms(s.overLease().toNanos()), s.killed());
        out.printf(Locale.ROOT, "  rejoin:      %s%n", s.rejoin().map(d -> s.killed() + " rejoined as a replica "
                + ms(d.toNanos()) + " after its restart").orElse(s.killed() + " did not rejoin within "
                + REJOIN_WAIT.toSeconds() + " s (its agent's log says which step failed)"));
        out.printf(Locale.ROOT, "  switchover:  %s%n", s.switchover().map(d -> ms(d.toNanos())
                + " (request to first acknowledged write), " + s.switchoverNote()).orElse(s.switchoverNote()));
        out.printf(Locale.ROOT, "  writes lost: %d of %d acknowledged%s (%s)%n", s.lost(), s.acknowledged(),
                s.lostFrom().isEmpty() ? "" : ", acknowledged by " + String.join(", ", s.lostFrom()),
                s.synchronous() ? "synchronous replication: must be 0"
                        : "asynchronous replication: at most what the new primary had not received at the kill, "
                        + "bounded by maximumLagOnFailover = 1 MB of WAL");
        out.printf(Locale.ROOT, "  chart:       %s%n", s.chart());
        out.flush();
    }

    private void startPolling() {
        polling.set(true);
        poller = new Thread(this::pollLoop, "pgdemo-status");
        poller.setDaemon(true);
        poller.start();
    }

    private void stopPolling() {
        polling.set(false);
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        table.release();
    }

    private void pollLoop() {
        while (polling.get()) {
            List<Members.View> views = world.members().poll();
            List<StatusTable.Row> rows = views.stream().map(v -> Members.row(v, writer == null ? 0
                    : writer.acksBy(v.member()).size())).toList();
            if (polling.get()) {
                table.draw(rows, "writes acknowledged: " + (writer == null ? 0 : writer.acks().size())
                        + (options.keepRunning() ? "" : "   (Ctrl-C stops and cleans up)"));
            }
            pause(Duration.ofMillis(250));
        }
    }

    private void redrawUntilInterrupted() {
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The one writable primary; with {@code settled}, only once every running member streams from it. */
    private Optional<String> primary(Members members, boolean settled) {
        List<String> writable = members.names().stream().filter(m -> members.last(m)
                .map(Members.View::writablePrimary).orElse(false)).toList();
        if (writable.size() != 1) {
            return Optional.empty();
        }
        String p = writable.get(0);
        boolean streaming = members.names().stream().filter(m -> !m.equals(p) && world.running(m))
                .allMatch(m -> members.last(m).map(v -> v.replicaOf(p)).orElse(false));
        return streaming || !settled ? Optional.of(p) : Optional.empty();
    }

    private void mark(String label, long nanos) {
        synchronized (markers) {
            markers.add(new TimelineChart.Marker(label, nanos));
        }
    }

    private static <T> Optional<T> awaitAtMost(Duration limit, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + limit.toNanos();
        Optional<T> v = probe.get();
        while (v.isEmpty() && System.nanoTime() - deadline < 0) {
            pause(Duration.ofMillis(20));
            v = probe.get();
        }
        return v;
    }

    private static <T> T await(Supplier<Optional<T>> probe, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no " + what + " within " + WAIT.toSeconds() + " s");
            }
            pause(Duration.ofMillis(20));
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
