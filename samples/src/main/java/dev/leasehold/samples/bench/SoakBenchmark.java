package dev.leasehold.samples.bench;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.lock.support.FaultProxy;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A soak: three Leasehold candidates on one Lease in the mock API server, each talking through its own fault
 * proxy, for a number of minutes while random faults hit them one at a time, and one line at the end:
 * {@code BENCH scenario=soak minutes=… faults=… leader_changes=… leaderless_ms=… overlap_ms=…}.
 *
 * <p>Faults (each 2 to 8 s, then healed, then 3 to 8 s of calm): a candidate's API black-holed, answering 503,
 * answering 429, its watches gone silent, its connections cut; the leader crashing (closed without release,
 * restarted 2 s later with the same identity) or handing over gracefully (closed with release, restarted). The
 * target is the leader half the time, a random candidate otherwise.
 *
 * <p>{@code overlap_ms} is the time during which more than one candidate was inside its leader work window (from
 * its started-leading callback to the return of its stopped-leading callback); {@code invalid_starts} counts
 * started-leading callbacks that came while another candidate's term was still valid. Both must be 0.
 * {@code leaderless_ms} is the time with no candidate in its work window, from the start of the run.
 *
 * <p>Arguments: {@code minutes=10}, {@code seed=<number>} (default: the time), {@code timing=4/3/1},
 * {@code faults=} a comma-separated subset of {@value #ALL_FAULTS}.
 */
public final class SoakBenchmark {

    static final String ALL_FAULTS = "blackhole,unavailable,throttle,silent-watch,cut,crash,handover";

    private SoakBenchmark() {
    }

    /** The outcome of one soak. */
    public record Result(Duration length, int faults, long leaderChanges, long leaderlessMillis, long overlapMillis,
            int invalidStarts, Map<String, Integer> faultCounts) {

        /** The BENCH line. */
        public String line(Timing timing, long seed) {
            return new BenchLine("soak", "leasehold").put("minutes", length.toMinutes()).put("timing", timing.label())
                    .put("seed", seed).put("faults", faults).put("leader_changes", leaderChanges)
                    .put("leaderless_ms", leaderlessMillis).put("overlap_ms", overlapMillis)
                    .put("invalid_starts", invalidStarts)
                    .put("by_fault", faultCounts.toString().replace(" ", "").replace("{", "").replace("}", ""))
                    .toString();
        }
    }

    public static void main(String[] args) {
        Map<String, String> values = new LinkedHashMap<>(Map.of("minutes", "10", "timing", "4/3/1",
                "seed", Long.toString(System.nanoTime()), "faults", ALL_FAULTS));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0 || !values.containsKey(arg.substring(0, eq))) {
                System.err.println("SoakBenchmark: unknown argument \"" + arg + "\"; expected key=value with key one of "
                        + values.keySet());
                System.exit(2);
                return;
            }
            values.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Timing timing = Timing.parse(values.get("timing"));
        long seed = Long.parseLong(values.get("seed"));
        Duration length = Duration.ofMinutes(Long.parseLong(values.get("minutes")));
        List<String> faults = List.of(values.get("faults").split(","));
        System.out.println("# SoakBenchmark " + Instant.now() + " " + values);
        Result result = run(length, timing, seed, faults, System.out);
        System.out.println(result.line(timing, seed));
        System.exit(result.overlapMillis() == 0 && result.invalidStarts() == 0 ? 0 : 1);
    }

    /** Runs a soak of {@code length}, printing one # line per fault to {@code out}. */
    public static Result run(Duration length, Timing timing, long seed, List<String> faults, PrintStream out) {
        for (String fault : faults) {
            if (!List.of(ALL_FAULTS.split(",")).contains(fault)) {
                throw new IllegalArgumentException("faults must be among " + ALL_FAULTS + ", was \"" + fault + "\"");
            }
        }
        Random random = new Random(seed);
        SoakLog log = new SoakLog();
        Map<String, Integer> counts = new LinkedHashMap<>();
        int injected = 0;
        try (MockApi api = new MockApi()) {
            List<Member> members = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                FaultProxy proxy = api.proxy();
                members.add(new Member("soak-" + i, api.clientVia(proxy), proxy, timing, log));
            }
            try {
                members.forEach(Member::start);
                long end = System.nanoTime() + length.toNanos();
                sleep(Duration.ofSeconds(3));
                while (System.nanoTime() < end) {
                    String fault = faults.get(random.nextInt(faults.size()));
                    Member target = random.nextBoolean()
                            ? members.stream().filter(Member::leading).findFirst()
                                    .orElse(members.get(random.nextInt(members.size())))
                            : members.get(random.nextInt(members.size()));
                    Duration faultLength = Duration.ofMillis(2000 + random.nextInt(6000));
                    out.println("# " + Instant.now() + " fault " + fault + " on " + target.identity + " for "
                            + faultLength.toMillis() + " ms");
                    out.flush();
                    inject(fault, target, faultLength);
                    injected++;
                    counts.merge(fault, 1, Integer::sum);
                    sleep(Duration.ofMillis(3000 + random.nextInt(5000)));
                }
            } finally {
                members.forEach(Member::close);
            }
        }
        return log.result(length, injected, counts);
    }

    private static void inject(String fault, Member target, Duration length) {
        switch (fault) {
            case "blackhole" -> target.proxyFor(FaultProxy.Mode.BLACKHOLE, length);
            case "unavailable" -> target.proxyFor(FaultProxy.Mode.UNAVAILABLE, length);
            case "throttle" -> target.proxyFor(FaultProxy.Mode.TOO_MANY_REQUESTS, length);
            case "silent-watch" -> target.proxyFor(FaultProxy.Mode.SILENT_WATCHES, length);
            case "cut" -> {
                long until = System.nanoTime() + length.toNanos();
                while (System.nanoTime() < until) {
                    target.proxy.cutConnections();
                    sleep(Duration.ofMillis(700));
                }
            }
            case "crash" -> target.restart(false, length.compareTo(Duration.ofSeconds(2)) < 0 ? length
                    : Duration.ofSeconds(2));
            case "handover" -> target.restart(true, Duration.ofSeconds(1));
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    /** One candidate: its proxy, its client and its current elector. */
    private static final class Member implements AutoCloseable {
        private final String identity;
        private final KubernetesClient client;
        private final FaultProxy proxy;
        private final Timing timing;
        private final SoakLog log;
        private final AtomicReference<LeaderElector> elector = new AtomicReference<>();

        Member(String identity, KubernetesClient client, FaultProxy proxy, Timing timing, SoakLog log) {
            this.identity = identity;
            this.client = client;
            this.proxy = proxy;
            this.timing = timing;
            this.log = log;
        }

        void start() {
            elector.set(newElector(true));
            elector.get().start();
        }

        private LeaderElector newElector(boolean release) {
            return LeaderElector.builder()
                    .lock(LeaseLock.builder().client(client).namespace("default").name("soak").identity(identity)
                            .build())
                    .leaseDuration(timing.leaseDuration()).renewDeadline(timing.renewDeadline())
                    .retryPeriod(timing.retryPeriod())
                    .releaseOnClose(release)
                    .onStartedLeading(leadership -> log.started(identity, leadership))
                    .onStoppedLeading(() -> log.stopped(identity))
                    .build();
        }

        boolean leading() {
            LeaderElector current = elector.get();
            return current != null && current.isLeader();
        }

        void proxyFor(FaultProxy.Mode mode, Duration length) {
            proxy.mode(mode);
            sleep(length);
            proxy.mode(FaultProxy.Mode.PASS);
            if (mode == FaultProxy.Mode.SILENT_WATCHES) {
                proxy.cutConnections(); // the silenced watches stay silent until their connections go
            }
        }

        /**
         * Closes the elector, waits {@code down}, starts a new one with the same identity. Without release the
         * API is black-holed while it closes, so its release cannot land: the lock is left held, as by a process
         * that died.
         */
        void restart(boolean release, Duration down) {
            LeaderElector old = elector.getAndSet(null);
            if (!release) {
                proxy.mode(FaultProxy.Mode.BLACKHOLE);
            }
            if (old != null) {
                old.close();
            }
            proxy.mode(FaultProxy.Mode.PASS);
            sleep(down);
            LeaderElector next = newElector(true);
            elector.set(next);
            next.start();
        }

        @Override
        public void close() {
            LeaderElector current = elector.getAndSet(null);
            if (current != null) {
                current.close();
            }
        }
    }

    /** Leader work windows of the candidates, from their callbacks. */
    private static final class SoakLog {
        private final Map<String, Leadership> leading = new LinkedHashMap<>();
        private final long startedAt = System.nanoTime();
        private long changedAt = startedAt;
        private long leaderless;
        private long overlap;
        private long starts;
        private int invalidStarts;

        synchronized void started(String identity, Leadership leadership) {
            account();
            for (Map.Entry<String, Leadership> other : leading.entrySet()) {
                if (!other.getKey().equals(identity) && other.getValue().isValid()) {
                    invalidStarts++;
                }
            }
            leading.put(identity, leadership);
            starts++;
        }

        synchronized void stopped(String identity) {
            account();
            leading.remove(identity);
        }

        private void account() {
            long now = System.nanoTime();
            if (leading.isEmpty()) {
                leaderless += now - changedAt;
            } else if (leading.size() > 1) {
                overlap += now - changedAt;
            }
            changedAt = now;
        }

        synchronized Result result(Duration length, int faults, Map<String, Integer> counts) {
            account();
            return new Result(length, faults, starts, leaderless / 1_000_000, overlap / 1_000_000, invalidStarts,
                    counts);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
