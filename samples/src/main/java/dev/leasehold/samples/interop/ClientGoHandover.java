package dev.leasehold.samples.interop;

import dev.leasehold.samples.MockApiServer;
import dev.leasehold.samples.bench.BenchLine;
import dev.leasehold.samples.bench.Stats;
import dev.leasehold.samples.bench.Timing;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

/**
 * Hands one Lease back and forth between Leasehold's {@code LeaseLock} elector and client-go's own
 * {@code tools/leaderelection} ({@link ClientGoElector}, a child process) on a mock API server, and measures each
 * handover: a Leasehold leader closes (and releases) while a client-go candidate follows, then that client-go
 * leader is stopped with {@code ReleaseOnCancel} while two Leasehold candidates follow, and so on.
 *
 * <p>Before each Leasehold leader closes, it waits a random time up to 2.2 retry periods after the client-go follower
 * saw it lead, so that the release falls at a random point of that follower's polling (a Go 1.19 build's jitter
 * is the same in every process: {@code math/rand} is not seeded before Go 1.20).
 *
 * <p>Arguments: {@code [binary] [cycles=5] [timings=4/3/1,15/10/2] [stop-delay-ms=500] [takeover-delay-ms=0]
 * [label=client-go]}; the binary may instead be named by the system property {@value #BINARY_PROPERTY}.
 * {@code takeover-delay-ms} is the Leasehold followers' {@code releaseTakeoverDelay}. Prints one line per direction and
 * timing: {@code BENCH scenario=client-go-handover lib=<label> direction=... timing=... cycles=... p50_ms=...
 * max_ms=...}, where {@code p50_ms}/{@code max_ms} run from the release landing (seen by a watch) to the
 * follower's started-leading, {@code from_stop_*} from the stop request, {@code overlap_*} from the follower's
 * started-leading to the return of the old leader's stopped-leading (negative: none).
 */
public final class ClientGoHandover {

    /** The system property naming the built client-go elector binary. */
    public static final String BINARY_PROPERTY = "leasehold.clientgo.elector";

    private static final AtomicInteger RUNS = new AtomicInteger();

    private ClientGoHandover() {
    }

    public static void main(String[] args) throws InterruptedException {
        String binary = System.getProperty(BINARY_PROPERTY);
        int cycles = 5;
        List<Timing> timings = List.of(Timing.FAST, Timing.DEFAULT);
        Duration stopDelay = Duration.ofMillis(500);
        Duration takeoverDelay = Duration.ZERO;
        String label = "client-go";
        try {
            for (String arg : args) {
                if (arg.startsWith("cycles=")) {
                    cycles = Integer.parseInt(arg.substring("cycles=".length()));
                } else if (arg.startsWith("timings=")) {
                    timings = java.util.Arrays.stream(arg.substring("timings=".length()).split(","))
                            .map(Timing::parse).toList();
                } else if (arg.startsWith("stop-delay-ms=")) {
                    stopDelay = Duration.ofMillis(Long.parseLong(arg.substring("stop-delay-ms=".length())));
                } else if (arg.startsWith("takeover-delay-ms=")) {
                    takeoverDelay = Duration.ofMillis(Long.parseLong(arg.substring("takeover-delay-ms=".length())));
                } else if (arg.startsWith("label=")) {
                    label = arg.substring("label=".length());
                } else if (!arg.contains("=")) {
                    binary = arg;
                } else {
                    throw new IllegalArgumentException("unknown argument \"" + arg + "\"; expected [binary] cycles=N"
                            + " timings=L/R/P,... stop-delay-ms=N takeover-delay-ms=N label=TEXT");
                }
            }
            if (binary == null) {
                throw new IllegalArgumentException("name the client-go elector binary as the first argument or with -D"
                        + BINARY_PROPERTY + "=PATH (build it from samples/interop/client-go)");
            }
            if (cycles < 1) {
                throw new IllegalArgumentException("cycles must be at least 1, was " + cycles);
            }
        } catch (NumberFormatException e) {
            System.err.println("ClientGoHandover: not a number: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("ClientGoHandover: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("# ClientGoHandover " + Instant.now() + " binary " + binary + ", cycles " + cycles
                + ", stopped-leading of client-go takes " + stopDelay.toMillis()
                + " ms, Leasehold's releaseTakeoverDelay " + takeoverDelay.toMillis() + " ms");
        try (MockApiServer server = MockApiServer.start()) {
            KubernetesClient client = server.newClient();
            for (Timing timing : timings) {
                HandoverRun run = run(client, server.url(), Path.of(binary), timing, cycles, stopDelay,
                        takeoverDelay);
                for (Handover.Direction direction : Handover.Direction.values()) {
                    System.out.println(line(run, direction, label));
                }
                run.clientGoErrors().forEach(error -> System.out.println("# client-go error " + error));
                System.out.flush();
            }
        }
        System.out.println("# ClientGoHandover done " + Instant.now());
        System.exit(0);
    }

    /** The BENCH line of one direction of a run. */
    static BenchLine line(HandoverRun run, Handover.Direction direction, String label) {
        List<Handover> handovers = run.of(direction);
        Stats takeover = stats(handovers, Handover::takeoverMillis);
        Stats fromStop = stats(handovers, Handover::fromStopMillis);
        Stats overlap = stats(handovers, Handover::overlapMillis);
        return new BenchLine("client-go-handover", label)
                .put("direction", direction.label())
                .put("timing", run.timing().label())
                .put("cycles", handovers.size())
                .put("takeover_delay_ms", run.takeoverDelay().toMillis())
                .put("p50_ms", Math.round(takeover.percentile(50)))
                .put("max_ms", Math.round(takeover.max()))
                .put("from_stop_p50_ms", Math.round(fromStop.percentile(50)))
                .put("from_stop_max_ms", Math.round(fromStop.max()))
                .put("released_before_stop_returned", handovers.stream()
                        .filter(Handover::releasedBeforeStopReturned).count() + "/" + handovers.size())
                .put("overlap_p50_ms", Math.round(overlap.percentile(50)))
                .put("overlap_max_ms", Math.round(overlap.max()))
                .put("transitions_rose", handovers.stream().filter(Handover::transitionsRose).count() + "/"
                        + handovers.size())
                .put("transitions_last", handovers.get(handovers.size() - 1).transitionsAfter())
                .put("leasehold_leaders_max", run.maxLeaseholdLeaders())
                .put("leaders_max", run.maxLeaders())
                .put("client_go_errors", run.clientGoErrors().size());
    }

    private static Stats stats(List<Handover> handovers, ToLongFunction<Handover> measure) {
        return new Stats(handovers.stream().map(h -> (double) measure.applyAsLong(h)).toList());
    }

    /**
     * Runs {@code cycles} handovers each way on a new Lease, starting with a Leasehold leader.
     *
     * @param stopDelay how long client-go's OnStoppedLeading takes
     * @param takeoverDelay the Leasehold followers' {@code releaseTakeoverDelay}
     * @throws IllegalStateException naming the step, if a step does not happen within three lease durations
     */
    public static HandoverRun run(KubernetesClient client, String serverUrl, Path binary, Timing timing, int cycles,
            Duration stopDelay, Duration takeoverDelay) throws InterruptedException {
        String lease = "clientgo-" + timing.slug() + "-" + RUNS.incrementAndGet();
        Duration limit = timing.leaseDuration().multipliedBy(3);
        Leaders leaders = new Leaders();
        List<Handover> handovers = new ArrayList<>();
        List<LeaseholdMember> members = new ArrayList<>();
        List<String> clientGoErrors = new ArrayList<>();
        try (ReleaseWatch releases = new ReleaseWatch(client, lease)) {
            Step step = new Step(client, lease, releases, limit);
            LeaseholdMember leader = member(members, client, lease, "leasehold-0", timing, takeoverDelay, leaders);
            step.await(leader::started, "leasehold-0 started leading");
            for (int cycle = 1; cycle <= cycles; cycle++) {
                try (ClientGoElector goElector = ClientGoElector.start(binary, serverUrl, lease, "client-go-" + cycle,
                        timing, stopDelay, event -> report(leaders, event))) {
                    String holder = leader.identity();
                    goElector.await("new-leader " + holder,
                            e -> e.name().equals("new-leader") && holder.equals(e.fields().get("leader")), limit);
                    Thread.sleep(ThreadLocalRandom.current().nextLong(timing.retryPeriod().toMillis() * 22 / 10));
                    handovers.add(step.toClientGo(leader, goElector));

                    LeaseholdMember a = member(members, client, lease, "leasehold-" + cycle + "a", timing,
                            takeoverDelay, leaders);
                    LeaseholdMember b = member(members, client, lease, "leasehold-" + cycle + "b", timing,
                            takeoverDelay, leaders);
                    step.await(() -> a.hasSeen(goElector.identity()) && b.hasSeen(goElector.identity()),
                            "Leasehold followers saw " + goElector.identity() + " lead");
                    Handover toLeasehold = step.toLeasehold(goElector, a, b);
                    handovers.add(toLeasehold);
                    leader = toLeasehold.newLeader().equals(a.identity()) ? a : b;
                    // the other one has followed the new leader for a retry period or two: it must not lead
                    Thread.sleep(timing.retryPeriod().multipliedBy(2).toMillis());
                    (leader == a ? b : a).close();
                    goElector.errorLines().forEach(line -> clientGoErrors.add(goElector.identity() + ": " + line));
                }
            }
        } finally {
            members.forEach(LeaseholdMember::close);
        }
        return new HandoverRun(timing, takeoverDelay, handovers, leaders.maxLeasehold(), leaders.maxTotal(),
                clientGoErrors);
    }

    private static LeaseholdMember member(List<LeaseholdMember> members, KubernetesClient client, String lease,
            String identity, Timing timing, Duration takeoverDelay, Leaders leaders) {
        LeaseholdMember member = new LeaseholdMember(client, lease, identity, timing, takeoverDelay, leaders);
        members.add(member);
        return member;
    }

    private static void report(Leaders leaders, ClientGoEvent event) {
        switch (event.name()) {
            case "started-leading" -> leaders.started(Leaders.Side.CLIENT_GO, event.identity());
            case "stopped-leading" -> leaders.stopped(Leaders.Side.CLIENT_GO, event.identity());
            default -> {
                // other events are read by the steps
            }
        }
    }

    /** The two handovers, with what they share: the Lease, the release watch and the time limit. */
    private record Step(KubernetesClient client, String lease, ReleaseWatch releases, Duration limit) {

        Handover toClientGo(LeaseholdMember leader, ClientGoElector follower) throws InterruptedException {
            int before = transitions();
            long stopAt = System.currentTimeMillis();
            leader.close(); // returns after its stopped-leading and its release
            ClientGoEvent started = follower.await("started-leading", limit);
            long releaseSeen = releaseSince(stopAt, leader.identity());
            Lease after = read();
            return new Handover(Handover.Direction.LEASEHOLD_TO_CLIENT_GO, stopAt, releaseSeen, started.epochMillis(),
                    leader.stoppedAt(), releaseSeen < leader.stoppedAt(), before,
                    after.getSpec().getLeaseTransitions(), after.getSpec().getHolderIdentity(), follower.identity(),
                    -1);
        }

        Handover toLeasehold(ClientGoElector leader, LeaseholdMember a, LeaseholdMember b)
                throws InterruptedException {
            int before = transitions();
            long requestedAt = System.currentTimeMillis();
            leader.requestStop();
            await(() -> a.started() || b.started(), "a Leasehold follower started leading after "
                    + leader.identity() + " stopped");
            LeaseholdMember winner = a.started() ? a : b;
            ClientGoEvent stopping = leader.await("stopping", limit);
            ClientGoEvent released = leader.await("released", limit);
            ClientGoEvent stopped = leader.await("stopped-leading", limit);
            if (!leader.awaitExit(limit)) {
                throw new IllegalStateException(leader + " did not exit within " + limit + " after its stop");
            }
            long releaseSeen = releaseSince(requestedAt, leader.identity());
            Lease after = read();
            return new Handover(Handover.Direction.CLIENT_GO_TO_LEASEHOLD, stopping.epochMillis(), releaseSeen,
                    winner.startedAt(), stopped.epochMillis(), released.epochMillis() < stopped.epochMillis(), before,
                    after.getSpec().getLeaseTransitions(), after.getSpec().getHolderIdentity(), winner.identity(),
                    winner.term());
        }

        void await(BooleanSupplier condition, String what) throws InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not within " + limit + ": " + what + "; Lease " + lease + ": "
                            + read().getSpec());
                }
                Thread.sleep(5);
            }
        }

        private long releaseSince(long sinceMillis, String releaser) throws InterruptedException {
            return releases.releaseSince(sinceMillis, limit).orElseThrow(() -> new IllegalStateException(
                    "no release of Lease " + lease + " by " + releaser + " seen within " + limit));
        }

        private Lease read() {
            return Objects.requireNonNull(client.leases().inNamespace("default").withName(lease).get(),
                    () -> "Lease default/" + lease + " is missing");
        }

        private int transitions() {
            Integer transitions = read().getSpec().getLeaseTransitions();
            return transitions == null ? 0 : transitions;
        }
    }
}
