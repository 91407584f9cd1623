package dev.leasehold.samples.pgdemo;

import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.agent.WriteProbe;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The leash benchmark: the primary's agent paused ({@code SIGSTOP} for two lease durations, then {@code SIGCONT})
 * or killed alone ({@code kill -9} of the agent's JVM, its guard and PostgreSQL left to themselves, then the agent
 * restarted), K cycles each, asynchronous and synchronous, with three agent processes ({@code AgentMain}, as the
 * demo runs them: 5/3/1 s, fence timeout 500 ms), real PostgreSQL servers, the mock API server, and a writer on
 * every server that records which one acknowledged each id ({@link WriteProbe}). Per scenario and mode it prints
 * {@code BENCH scenario=pg-agent-pause|pg-agent-kill mode=async|sync cycles=K split_brain_ms=.. lost_acked=..
 * fence_after_deadline_ms_max=..}, where the term's deadline is the old primary's last renew (the Lease's
 * {@code renewTime}, as the demo's watch saw it) plus renewDeadline, and "fence after deadline" is the last
 * acknowledgement of the old server minus that deadline (negative: it stopped before). Then the guard's cost:
 * commit latency of one writer on the primary over one connection, {@code LEASEHOLD_GUARD} true and false.
 *
 * <p>Arguments: {@code [cycles, default 5] [scenarios: pause,kill,cost (default all)] [modes: async,sync]
 * [cost seconds, default 20]}. Not a test: run by hand, see the benchmarks page in {@code docs/}.
 */
public final class LeashBenchmark {
    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    public static void main(String[] args) {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Set<String> scenarios = Set.copyOf(Arrays.asList((args.length > 1 ? args[1] : "pause,kill,cost").split(",")));
        List<String> modes = Arrays.asList((args.length > 2 ? args[2] : "async,sync").split(","));
        Duration cost = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 20);
        LeashBenchmark b = new LeashBenchmark();
        for (String mode : modes) {
            for (String s : List.of("pause", "kill")) {
                if (scenarios.contains(s)) {
                    b.faults(s, mode.equals("sync"), cycles);
                }
            }
        }
        if (scenarios.contains("cost")) {
            for (int round = 0; round < 2; round++) {
                b.cost(true, cost);
                b.cost(false, cost);
            }
        }
        System.exit(0);
    }

    private DemoWorld world(boolean sync, boolean guard) {
        List<String> o = new ArrayList<>(List.of("--short", "--members=3"));
        if (sync) {
            o.add("--synchronous");
        }
        DemoWorld w = new DemoWorld(DemoOptions.parse(o.toArray(String[]::new)), new PrintStream(
                java.io.OutputStream.nullOutputStream()));
        if (!guard) {
            w.withAgentSetting("LEASEHOLD_GUARD", "false");
        }
        w.start();
        w.startAgents();
        return w;
    }

    private void faults(String kind, boolean sync, int cycles) {
        DemoWorld w = world(sync, true);
        WriteProbe acks = null;
        List<Long> fenceAfter = new ArrayList<>();
        long lost = 0;
        try {
            String p = settled(w);
            acks = new WriteProbe(w.pg(), w.instance(p));
            awaitWrites(acks, p);
            long offset = Instant.now().toEpochMilli() * 1_000_000 - System.nanoTime(); // wall ns - nano
            for (int c = 1; c <= cycles; c++) {
                long fault = System.nanoTime();
                Instant faultWall = Instant.now();
                w.signalAgent(p, kind.equals("pause") ? "STOP" : "KILL");
                String q = newPrimary(w, p);
                sleep(PgDemo.LEASE.multipliedBy(2));
                if (kind.equals("pause")) {
                    w.signalAgent(p, "CONT");
                } else {
                    w.restartAgent(p);
                }
                String old = p;
                // the old holder's last renew written before the fault: its watch event may arrive after it
                Optional<DemoWorld.LeaseRecord> lastRenew = w.leaseHistory().stream()
                        .filter(r -> r.holder().equals(old) && r.renewTime().isBefore(faultWall))
                        .max(java.util.Comparator.comparing(DemoWorld.LeaseRecord::renewTime));
                p = settled(w);
                awaitWrites(acks, p);
                long lastAck = acks.acksBy(old).stream().filter(a -> a.sentNanos() - fault > 0)
                        .mapToLong(WriteProbe.Ack::ackedNanos).max().orElse(fault);
                if (lastRenew.isPresent()) {
                    long deadlineNanos = lastRenew.get().renewTime().toEpochMilli() * 1_000_000
                            + lastRenew.get().renewTime().getNano() % 1_000_000 - offset
                            + PgDemo.RENEW.toNanos();
                    fenceAfter.add((lastAck - deadlineNanos) / 1_000_000);
                }
                long firstNew = acks.acksBy(q).stream().filter(a -> a.sentNanos() - fault > 0)
                        .mapToLong(WriteProbe.Ack::ackedNanos).min().orElse(fault);
                out.printf(Locale.ROOT, "BENCH scenario=pg-agent-%s-cycle mode=%s cycle=%d from=%s to=%s "
                        + "fence_after_deadline_ms=%s last_old_ack_after_fault_ms=%d first_new_ack_after_fault_ms=%d "
                        + "split_brain_ms_so_far=%d%n", kind, sync ? "sync" : "async", c, old, q,
                        fenceAfter.isEmpty() ? "?" : fenceAfter.get(fenceAfter.size() - 1),
                        (lastAck - fault) / 1_000_000, (firstNew - fault) / 1_000_000,
                        acks.overlapNanos() / 1_000_000);
            }
            acks.close();
            Set<Long> held = WriteProbe.rowsOn(w.instance(p));
            lost = acks.acks().stream().filter(a -> !held.contains(a.id())).count();
            long split = acks.overlapNanos() / 1_000_000;
            out.printf(Locale.ROOT, "BENCH scenario=pg-agent-%s mode=%s timing=5/3/1 cycles=%d acked=%d "
                    + "split_brain_ms=%d lost_acked=%d fence_after_deadline_ms_max=%d fence_after_deadline_ms_p50=%d "
                    + "date=%s%n", kind, sync ? "sync" : "async", cycles, acks.acks().size(), split, lost,
                    fenceAfter.stream().mapToLong(Long::longValue).max().orElse(0), median(fenceAfter),
                    LocalDate.now(ZoneOffset.UTC));
        } finally {
            if (acks != null) {
                acks.close();
            }
            for (String m : w.members().names()) {
                try {
                    w.signalAgent(m, "CONT");
                } catch (RuntimeException e) {
                    // not running
                }
            }
            w.close();
        }
    }

    private void cost(boolean guard, Duration span) {
        DemoWorld w = world(false, guard);
        try {
            String p = settled(w);
            PostgresInstance primary = w.instance(p);
            List<Long> micros = new ArrayList<>();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS leash_cost (id bigserial PRIMARY KEY, at timestamptz)");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO leash_cost (at) VALUES (now())")) {
                    long end = System.nanoTime() + span.toNanos();
                    while (System.nanoTime() - end < 0) {
                        long t = System.nanoTime();
                        ps.executeUpdate();
                        micros.add((System.nanoTime() - t) / 1_000);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cost writer on " + p + ": " + e.getMessage(), e);
            }
            micros.sort(Long::compare);
            long rss = guardRssKb(w);
            out.printf(Locale.ROOT, "BENCH scenario=pg-guard-cost guard=%s commits=%d commit_us_p50=%d "
                    + "commit_us_p99=%d guard_rss_kb=%d date=%s%n", guard ? "on" : "off", micros.size(),
                    micros.get(micros.size() / 2), micros.get((int) (micros.size() * 0.99)), rss,
                    LocalDate.now(ZoneOffset.UTC));
        } finally {
            w.close();
        }
    }

    /** The resident memory of one member's guard process (its agent's child), in KB; 0 without a guard. */
    private static long guardRssKb(DemoWorld w) {
        for (long agent : w.agentPids()) {
            Optional<ProcessHandle> guard = ProcessHandle.of(agent).stream().flatMap(ProcessHandle::children)
                    .filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains("LeashGuard"))
                            .orElse(false)).findFirst();
            if (guard.isPresent()) {
                try {
                    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc",
                            Long.toString(guard.get().pid()), "status"))) {
                        if (line.startsWith("VmRSS:")) {
                            return Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                } catch (java.io.IOException | NumberFormatException e) {
                    return -1;
                }
            }
        }
        return 0;
    }

    private static long median(List<Long> xs) {
        if (xs.isEmpty()) {
            return 0;
        }
        List<Long> s = new ArrayList<>(xs);
        s.sort(Long::compare);
        return s.get(s.size() / 2);
    }

    private static String settled(DemoWorld w) {
        return w.awaitSettled(Set.of(), Duration.ofMinutes(3));
    }

    private static String newPrimary(DemoWorld w, String old) {
        return poll(() -> w.members().poll().stream().filter(Members.View::writablePrimary)
                .map(Members.View::member).filter(m -> !m.equals(old)).findFirst());
    }

    private static void awaitWrites(WriteProbe acks, String server) {
        long since = System.nanoTime();
        poll(() -> acks.acksBy(server).stream().filter(a -> a.sentNanos() - since > 0).count() > 20
                ? Optional.of(server) : Optional.empty());
    }

    private static String poll(java.util.function.Supplier<Optional<String>> check) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() - deadline < 0) {
            Optional<String> r = check.get();
            if (r.isPresent()) {
                return r.get();
            }
            sleep(Duration.ofMillis(100));
        }
        throw new IllegalStateException("the cluster did not settle within 3 minutes");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
