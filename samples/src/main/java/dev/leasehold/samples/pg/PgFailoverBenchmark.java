package dev.leasehold.samples.pg;

import dev.leasehold.lock.support.FaultProxy;
import dev.leasehold.lock.support.MockApi;
import dev.leasehold.postgres.agent.Agent;
import dev.leasehold.postgres.agent.AgentConfig;
import dev.leasehold.postgres.agent.MemberStatus;
import dev.leasehold.postgres.agent.SwitchoverResult;
import dev.leasehold.postgres.agent.WriteProbe;
import dev.leasehold.postgres.testing.PostgresCluster;
import dev.leasehold.samples.pgdemo.TimelineChart;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The PostgreSQL failover benchmark: three real PostgreSQL servers, one agent each, on fabric8's mock API server
 * (CRUD mode, loopback), a steady write load on every member, and K cycles of
 * <ul>
 *   <li>{@code pg-crash}: kill -9 of the primary's PostgreSQL and its agent (no fence, no release);</li>
 *   <li>{@code pg-partition}: the primary's agent cut off from the API server (every request hangs);</li>
 *   <li>{@code pg-switchover}: a planned switchover to the best standby ({@code Agent.switchover}), from the
 *       request to the first write the target acknowledges;</li>
 *   <li>{@code pg-api-outage} ({@code outage-all}, {@code outage-primary}, {@code outage-replicas}): the agents of
 *       every member, of the primary only or of the replicas only cut off from the API server for a number of
 *       seconds, then healed; the longest gap between acknowledged writes, overlapping acknowledgements of two
 *       members and acknowledged writes missing on the primary after healing, with the failsafe on or off.</li>
 * </ul>
 * Prints one {@code BENCH} line per cycle and one summary per scenario. Not a test: run it by hand
 * (samples/README.md). Arguments: {@code [cycles] [lease/renew/retry seconds, e.g. 10/7/2]
 * [scenarios, e.g. crash,partition,switchover (the default), outage-all,outage-primary,outage-replicas]
 * [async (the default) or sync: synchronous mode, ANY 1] [outage seconds, default 60]
 * [failsafe: on or off (the default)]}. At the end it writes the timeline chart {@code pg-benchmark-timeline.png} (acknowledged writes per
 * member, the kills, lease expiries, promotions and cuts marked).
 */
public final class PgFailoverBenchmark {
    private static final String NS = "default";
    private static final String CLUSTER = "pg";
    private static final Duration SETTLE = Duration.ofSeconds(120);

    private final int cycles;
    private final Duration lease;
    private final Duration renew;
    private final Duration retry;
    private final Set<String> scenarios;
    private final String mode;
    private final Duration outage;
    private final boolean failsafe;
    private final MockApi api = new MockApi();
    private final KubernetesClient admin = api.client();
    private final PostgresCluster pg = PostgresCluster.start(3);
    private final Agent[] agents = new Agent[3];
    private final FaultProxy[] proxies = new FaultProxy[3];
    private volatile long leaseChangedNanos = System.nanoTime();
    private final List<TimelineChart.Marker> markers = new ArrayList<>();

    private PgFailoverBenchmark(int cycles, Duration lease, Duration renew, Duration retry, Set<String> scenarios,
            String mode, Duration outage, boolean failsafe) {
        this.failsafe = failsafe;
        this.cycles = cycles;
        this.outage = outage;
        this.mode = mode;
        this.scenarios = scenarios;
        this.lease = lease;
        this.renew = renew;
        this.retry = retry;
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String[] t = (args.length > 1 ? args[1] : "10/7/2").split("/");
        Set<String> scenarios = Set.of((args.length > 2 ? args[2] : "crash,partition,switchover").split(","));
        String mode = args.length > 3 ? args[3] : "async";
        long outageSeconds = args.length > 4 ? Long.parseLong(args[4]) : 60;
        String failsafe = args.length > 5 ? args[5] : "off";
        if (cycles < 1 || t.length != 3 || !Set.of("crash", "partition", "switchover", "outage-all",
                "outage-primary", "outage-replicas").containsAll(scenarios) || !Set.of("async", "sync").contains(mode)
                || outageSeconds < 1 || !Set.of("on", "off").contains(failsafe)) {
            throw new IllegalArgumentException("usage: PgFailoverBenchmark [cycles >= 1] [lease/renew/retry seconds]"
                    + " [scenarios: crash,partition,switchover,outage-all,outage-primary,outage-replicas]"
                    + " [async|sync] [outage seconds >= 1] [failsafe on|off]; got " + String.join(" ", args));
        }
        try (var unused = new Closer()) {
            PgFailoverBenchmark b = new PgFailoverBenchmark(cycles, Duration.ofSeconds(Long.parseLong(t[0])),
                    Duration.ofSeconds(Long.parseLong(t[1])), Duration.ofSeconds(Long.parseLong(t[2])), scenarios, mode,
                    Duration.ofSeconds(outageSeconds), failsafe.equals("on"));
            try {
                b.run();
            } finally {
                b.close();
            }
        }
    }

    /** Nothing to close: a place for try-with-resources symmetry in main. */
    private static final class Closer implements AutoCloseable {
        @Override
        public void close() {
        }
    }

    private String timing() {
        return lease.toSeconds() + "/" + renew.toSeconds() + "/" + retry.toSeconds();
    }

    private void run() throws Exception {
        for (int i = 0; i < 3; i++) {
            admin.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("pg-" + i)
                    .withNamespace(NS).addToLabels("leasehold.dev/cluster", CLUSTER).endMetadata().withNewSpec()
                    .addNewContainer().withName("postgres").withImage("postgres:15").endContainer().endSpec()
                    .build()).create();
            proxies[i] = api.proxy();
        }
        Watch watch = admin.resources(Lease.class).inNamespace(NS).withName(CLUSTER).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Lease resource) {
                leaseChangedNanos = System.nanoTime();
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        for (int i = 0; i < 3; i++) {
            start(i);
        }
        int p = awaitSettled(-1);
        long start = System.nanoTime();
        try (WriteProbe load = new WriteProbe(pg, pg.member(p))) {
            if (scenarios.contains("switchover")) {
                List<double[]> switchover = new ArrayList<>();
                for (int c = 1; c <= cycles; c++) {
                    p = awaitSettled(-1);
                    switchover.add(switchoverCycle(load, p, c));
                }
                System.out.printf(Locale.ROOT, "BENCH scenario=pg-switchover mode=%s timing=%s cycles=%d ms_p50=%.1f "
                        + "ms_max=%.1f lost_acked=%d split_brain_ms=%.1f%n", mode, timing(), switchover.size(),
                        pct(switchover, 0, 50), pct(switchover, 0, 100), (long) sum(switchover, 1),
                        pct(switchover, 2, 100));
            }
            if (scenarios.contains("crash")) {
                List<double[]> crash = new ArrayList<>();
                for (int c = 1; c <= cycles; c++) {
                    p = awaitSettled(-1);
                    crash.add(crashCycle(load, p, c));
                }
                summary("pg-crash", crash);
            }
            if (scenarios.contains("partition")) {
                List<double[]> partition = new ArrayList<>();
                for (int c = 1; c <= cycles; c++) {
                    p = awaitSettled(-1);
                    partition.add(partitionCycle(load, p, c));
                }
                summaryPartition(partition);
            }
            for (String kase : List.of("all", "primary", "replicas")) {
                if (scenarios.contains("outage-" + kase)) {
                    List<double[]> rows = new ArrayList<>();
                    for (int c = 1; c <= cycles; c++) {
                        p = awaitSettled(-1);
                        rows.add(outageCycle(load, p, c, kase));
                    }
                    summaryOutage(kase, rows);
                }
            }
            List<TimelineChart.Ack> acks = load.acks().stream()
                    .map(a -> new TimelineChart.Ack(a.member(), a.ackedNanos())).toList();
            System.out.println("chart: " + TimelineChart.write(java.nio.file.Path.of("pg-benchmark-timeline.png"),
                    "PostgreSQL failover benchmark, " + timing() + ", " + mode + ": " + cycles + " cycles of "
                    + String.join(", ", scenarios), start, acks, markers));
        } finally {
            watch.close();
        }
    }

    /** rto, overLease, lostAcked, splitBrain. */
    private double[] crashCycle(WriteProbe load, int p, int cycle) {
        sleep(2_000);
        long kill = System.nanoTime();
        double leaseLeftMs = Math.max(0, (leaseChangedNanos + lease.toNanos() - kill) / 1e6);
        agents[p].abandon();
        pg.kill9(p);
        int q = awaitPrimary(p);
        long promoted = System.nanoTime();
        WriteProbe.Ack first = awaitFirstAck(load, "pg-" + q, kill);
        markers.add(new TimelineChart.Marker("kill -9 pg-" + p, kill));
        markers.add(new TimelineChart.Marker("lease expiry", kill + (long) (leaseLeftMs * 1e6)));
        markers.add(new TimelineChart.Marker("promotion pg-" + q, promoted));
        double rto = (first.ackedNanos() - kill) / 1e6;
        long oldLast = load.lastBy("pg-" + p).map(WriteProbe.Ack::ackedNanos).orElse(kill);
        double splitBrain = Math.max(0, (oldLast - first.sentNanos()) / 1e6);
        Set<Long> rows = WriteProbe.rowsOn(pg.member(q));
        long lost = load.acksBy("pg-" + p).stream().filter(a -> !rows.contains(a.id())).count();
        double[] r = {rto, rto - leaseLeftMs, lost, splitBrain};
        System.out.printf(Locale.ROOT, "BENCH scenario=pg-crash-cycle mode=%s timing=%s cycle=%d killed=pg-%d "
                + "new=pg-%d rto_ms=%.1f lease_left_ms=%.1f over_lease_ms=%.1f lost_acked=%d split_brain_ms=%.1f%n",
                mode, timing(), cycle, p, q, rto, leaseLeftMs, r[1], lost, splitBrain);
        start(p); // the old member comes back and rejoins as a standby
        return r;
    }

    /** request→first ack on the target, lostAcked, splitBrain. */
    private double[] switchoverCycle(WriteProbe load, int p, int cycle) {
        sleep(1_000);
        long asked = System.nanoTime();
        SwitchoverResult done = agents[p].switchover(java.util.Optional.empty(), Duration.ofSeconds(30));
        int q = Integer.parseInt(done.to().substring(3));
        WriteProbe.Ack first = awaitFirstAck(load, done.to(), asked);
        markers.add(new TimelineChart.Marker("switchover pg-" + p + " to pg-" + q, asked));
        double ms = (first.ackedNanos() - asked) / 1e6;
        long oldLast = load.lastBy("pg-" + p).map(WriteProbe.Ack::ackedNanos).orElse(asked);
        double splitBrain = Math.max(0, (oldLast - first.sentNanos()) / 1e6);
        Set<Long> rows = WriteProbe.rowsOn(pg.member(q));
        long lost = load.acksBy("pg-" + p).stream().filter(a -> !rows.contains(a.id())).count();
        System.out.printf(Locale.ROOT, "BENCH scenario=pg-switchover-cycle mode=%s timing=%s cycle=%d from=pg-%d "
                + "to=pg-%d ms=%.1f agent_ms=%d lost_acked=%d split_brain_ms=%.1f%n", mode, timing(), cycle, p, q, ms,
                done.elapsedMs(), lost, splitBrain);
        return new double[] {ms, lost, splitBrain};
    }

    /** cut→old last ack, cut→new first ack, splitBrain. */
    private double[] partitionCycle(WriteProbe load, int p, int cycle) {
        sleep(2_000);
        long cut = System.nanoTime();
        proxies[p].mode(FaultProxy.Mode.BLACKHOLE);
        int q = awaitPrimary(p);
        markers.add(new TimelineChart.Marker("cut pg-" + p, cut));
        markers.add(new TimelineChart.Marker("promotion pg-" + q, System.nanoTime()));
        WriteProbe.Ack first = awaitFirstAck(load, "pg-" + q, cut);
        long oldLast = load.lastBy("pg-" + p).map(WriteProbe.Ack::ackedNanos).orElse(cut);
        double[] r = {(oldLast - cut) / 1e6, (first.ackedNanos() - cut) / 1e6,
                Math.max(0, (oldLast - first.sentNanos()) / 1e6)};
        System.out.printf(Locale.ROOT, "BENCH scenario=pg-partition-cycle mode=%s timing=%s cycle=%d cut=pg-%d "
                + "new=pg-%d old_last_ack_ms=%.1f new_first_ack_ms=%.1f split_brain_ms=%.1f%n", mode, timing(), cycle, p, q,
                r[0], r[1], r[2]);
        proxies[p].mode(FaultProxy.Mode.PASS);
        return r;
    }

    /** writeOutage, splitBrain, lostAcked, primary changed (1/0). */
    private double[] outageCycle(WriteProbe load, int p, int cycle, String kase) {
        sleep(2_000);
        List<Integer> cutOff = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (kase.equals("all") || (i == p) == kase.equals("primary")) {
                cutOff.add(i);
            }
        }
        long cut = System.nanoTime();
        cutOff.forEach(i -> proxies[i].mode(FaultProxy.Mode.BLACKHOLE));
        markers.add(new TimelineChart.Marker("API cut (" + kase + ")", cut));
        sleep(outage.toMillis());
        long healed = System.nanoTime();
        cutOff.forEach(i -> proxies[i].mode(FaultProxy.Mode.PASS));
        markers.add(new TimelineChart.Marker("API healed", healed));
        int q = awaitSettled(-1);
        WriteProbe.Ack after = awaitFirstAck(load, "pg-" + q, healed);
        double[] r = outageMeasures(load.acks(), cut, after.ackedNanos(), WriteProbe.rowsOn(pg.member(q)));
        r[3] = q == p ? 0 : 1;
        System.out.printf(Locale.ROOT, "BENCH scenario=pg-api-outage-cycle case=%s failsafe=%s mode=%s timing=%s "
                + "outage_s=%d cycle=%d primary=pg-%d after=pg-%d write_outage_ms=%.1f gap_from_cut_ms=%.1f "
                + "split_brain_ms=%.1f lost_acked=%d%n", kase, failsafe ? "on" : "off", mode, timing(),
                outage.toSeconds(), cycle, p, q, r[0], r[4], r[1], (long) r[2]);
        return r;
    }

    /**
     * Over the acknowledged writes from the last one before {@code cut} to {@code end}: the longest gap between
     * two consecutive acknowledgements (any member), the longest overlap of two members' spans (first write
     * sent to last acknowledged; a member is primary at most once per cycle), and
     * how many of these acknowledged writes are missing from {@code rowsOnPrimary}.
     */
    static double[] outageMeasures(List<WriteProbe.Ack> all, long cut, long end, Set<Long> rowsOnPrimary) {
        List<WriteProbe.Ack> acks = all.stream().filter(a -> a.ackedNanos() <= end)
                .sorted(java.util.Comparator.comparingLong(WriteProbe.Ack::ackedNanos)).toList();
        long from = acks.stream().mapToLong(WriteProbe.Ack::ackedNanos).filter(t -> t < cut).max().orElse(cut);
        List<WriteProbe.Ack> window = acks.stream().filter(a -> a.ackedNanos() >= from).toList();
        long gap = 0;
        long gapAt = 0;
        for (int i = 1; i < window.size(); i++) {
            long g = window.get(i).ackedNanos() - window.get(i - 1).ackedNanos();
            if (g > gap) {
                gap = g;
                gapAt = window.get(i - 1).ackedNanos() - cut;
            }
        }
        // each member's span, first write sent to last acknowledged, within the window (a member is primary
        // at most once per cycle); two spans that overlap are two members acknowledging at once
        java.util.Map<String, long[]> spans = new java.util.HashMap<>();
        for (WriteProbe.Ack a : window) {
            spans.merge(a.member(), new long[] {a.sentNanos(), a.ackedNanos()},
                    (x, y) -> new long[] {Math.min(x[0], y[0]), Math.max(x[1], y[1])});
        }
        long overlap = 0;
        for (var x : spans.entrySet()) {
            for (var y : spans.entrySet()) {
                if (x.getKey().compareTo(y.getKey()) < 0) {
                    overlap = Math.max(overlap, Math.min(x.getValue()[1], y.getValue()[1])
                            - Math.max(x.getValue()[0], y.getValue()[0]));
                }
            }
        }
        long lost = window.stream().filter(a -> !rowsOnPrimary.contains(a.id())).count();
        return new double[] {gap / 1e6, overlap / 1e6, lost, 0, gapAt / 1e6};
    }

    private void summaryOutage(String kase, List<double[]> rows) {
        System.out.printf(Locale.ROOT, "BENCH scenario=pg-api-outage case=%s failsafe=%s mode=%s timing=%s "
                + "outage_s=%d cycles=%d write_outage_ms=%.1f split_brain_ms=%.1f lost_acked=%d primary_changed=%d%n",
                kase, failsafe ? "on" : "off", mode, timing(), outage.toSeconds(), rows.size(), pct(rows, 0, 100),
                pct(rows, 1, 100),
                (long) sum(rows, 2), (long) sum(rows, 3));
    }

    private void summary(String scenario, List<double[]> rows) {
        System.out.printf(Locale.ROOT, "BENCH scenario=%s mode=%s timing=%s cycles=%d rto_ms_p50=%.1f "
                + "rto_ms_p95=%.1f rto_ms_max=%.1f over_lease_ms_p50=%.1f over_lease_ms_p95=%.1f lost_acked=%d "
                + "split_brain_ms=%.1f%n", scenario, mode, timing(), rows.size(), pct(rows, 0, 50), pct(rows, 0, 95),
                pct(rows, 0, 100), pct(rows, 1, 50), pct(rows, 1, 95), (long) sum(rows, 2), pct(rows, 3, 100));
    }

    private void summaryPartition(List<double[]> rows) {
        System.out.printf(Locale.ROOT, "BENCH scenario=pg-partition mode=%s timing=%s cycles=%d "
                + "old_last_ack_ms_p50=%.1f old_last_ack_ms_max=%.1f new_first_ack_ms_p50=%.1f "
                + "new_first_ack_ms_p95=%.1f split_brain_ms=%.1f%n", mode, timing(), rows.size(), pct(rows, 0, 50),
                pct(rows, 0, 100), pct(rows, 1, 50), pct(rows, 1, 95), pct(rows, 2, 100));
    }

    /** Nearest-rank percentile of column {@code col}. */
    static double pct(List<double[]> rows, int col, double p) {
        double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private static double sum(List<double[]> rows, int col) {
        return rows.stream().mapToDouble(r -> r[col]).sum();
    }

    private void start(int i) {
        agents[i] = Agent.start(AgentConfig.builder().member(pg.member(i)).client(api.clientVia(proxies[i]))
                .namespace(NS).cluster(CLUSTER).leaseDuration(lease).renewDeadline(renew).retryPeriod(retry)
                .fenceTimeout(Duration.ofMillis(Math.min(1_000, (lease.minus(renew).toMillis() - 300) / 2)))
                .statusInterval(Duration.ofMillis(500)).synchronousMode(mode.equals("sync")).failsafe(failsafe)
                .httpPort(failsafe ? 0 : -1).build());
    }

    private int primary() {
        int found = -1;
        for (int i = 0; i < 3; i++) {
            if (agents[i] != null && agents[i].isWritablePrimary()) {
                found = i;
            }
        }
        return found;
    }

    private int awaitPrimary(int not) {
        int[] p = {-1};
        until(() -> {
            p[0] = primary();
            return p[0] >= 0 && p[0] != not;
        }, "a primary other than pg-" + not);
        return p[0];
    }

    /** Waits for a primary and every other member streaming from it. */
    private int awaitSettled(int not) {
        int p = awaitPrimary(not);
        until(() -> {
            for (int i = 0; i < 3; i++) {
                if (i == p) {
                    continue;
                }
                MemberStatus s = agents[i].ownStatus().orElse(null);
                if (s == null || s.role() != MemberStatus.Role.REPLICA
                        || !s.upstream().equals(java.util.Optional.of("pg-" + p))) {
                    return false;
                }
            }
            return primary() == p;
        }, "pg-" + p + " primary with two streaming standbys");
        return p;
    }

    private WriteProbe.Ack awaitFirstAck(WriteProbe load, String member, long after) {
        WriteProbe.Ack[] a = {null};
        until(() -> (a[0] = load.firstAfter(member, after).orElse(null)) != null, "a write acknowledged by " + member);
        return a[0];
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void until(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no " + what + " within " + SETTLE);
            }
            sleep(5);
        }
    }

    private void close() {
        for (Agent a : agents) {
            if (a != null) {
                a.abandon();
            }
        }
        pg.close();
        api.close();
    }
}
