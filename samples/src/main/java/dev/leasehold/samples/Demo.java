package dev.leasehold.samples;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.SystemScheduler;
import dev.leasehold.lock.lease.LeaseLock;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Three candidates, {@code pod-a}, {@code pod-b} and {@code pod-c}, compete for one Lease on a mock Kubernetes
 * API server in this JVM. The demo closes the first leader (a graceful handover: it releases the Lease), then
 * stops the next leader dead (a crash: no more renews and no release) and shows that the third takes over as
 * soon as the dead leader's lease expires, and that there is never more than one valid leader.
 *
 * <p>Run it with {@code ./mvnw -q -B install -DskipTests && ./mvnw -q -B -pl samples exec:java}.
 */
public final class Demo {

    static final Duration LEASE = Duration.ofSeconds(4);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(3);
    static final Duration RETRY = Duration.ofSeconds(1);
    private static final String NAMESPACE = "default";
    private static final String LEASE_NAME = "demo";
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final PrintStream out;
    private volatile long t0 = System.nanoTime();
    private final Map<String, Pod> pods = new LinkedHashMap<>();
    private final BlockingQueue<Started> starts = new LinkedBlockingQueue<>();
    private final AtomicInteger maxLeaders = new AtomicInteger();
    private final Map<String, Long> terms = new java.util.concurrent.ConcurrentHashMap<>();

    private record Started(String identity, long term, long nanos, Instant wall) { }

    private record Pod(String identity, SystemScheduler scheduler, LeaderElector elector) { }

    private Demo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        DemoResult result = run(System.out);
        System.exit(result.maxLeadersAtOnce() <= 1 ? 0 : 1);
    }

    /**
     * Runs the demo, printing what happens to {@code out}.
     *
     * @throws IllegalStateException when a step does not happen within 15 s
     */
    public static DemoResult run(PrintStream out) {
        return new Demo(out).run();
    }

    private DemoResult run() {
        try (MockApiServer server = MockApiServer.start()) {
            KubernetesClient client = server.newClient();
            out.println("Leasehold demo: pod-a, pod-b and pod-c compete for Lease " + NAMESPACE + "/" + LEASE_NAME);
            out.println("  API server: fabric8 KubernetesMockServer (CRUD mode) at " + server.url());
            out.println("  timings: leaseDuration " + LEASE.toSeconds() + " s, renewDeadline "
                    + RENEW_DEADLINE.toSeconds() + " s, retryPeriod " + RETRY.toSeconds() + " s");
            out.println("  [ms since the electors started] who: what");
            out.println();
            // the first request loads fabric8's model classes; make it here, not in the electors' first call
            client.leases().inNamespace(NAMESPACE).withName(LEASE_NAME).get();
            for (String identity : new String[] {"pod-a", "pod-b", "pod-c"}) {
                pods.put(identity, newPod(client, identity));
            }
            Thread sampler = startSampler();
            try {
                t0 = System.nanoTime();
                pods.values().forEach(pod -> pod.elector().start());
                Started first = nextStart("a first leader");
                sleep(Duration.ofMillis(2500));
                out.println(" -- " + first.identity() + " has led for a while, renewing every second. --");

                out.println();
                out.println("== 1. Graceful handover: closing " + first.identity()
                        + " (it stops leading, then releases the Lease) ==");
                long closing = System.nanoTime();
                pods.get(first.identity()).elector().close();
                log("(close() of " + first.identity() + " returned after " + millis(System.nanoTime() - closing)
                        + " ms)");
                Started second = nextStart("a leader after the handover");
                Duration handover = Duration.ofNanos(second.nanos() - closing);
                out.println("   handover took " + handover.toMillis() + " ms, from close() to "
                        + second.identity() + "'s started-leading callback");
                sleep(Duration.ofMillis(2500));

                out.println();
                out.println("== 2. Crash: " + second.identity() + " stops dead (its scheduler is shut down: no "
                        + "renew, no release, no callback) ==");
                Pod crashed = pods.get(second.identity());
                long crashAt = System.nanoTime();
                crashed.scheduler().close();
                log(second.identity() + ": crashed");
                sleep(Duration.ofMillis(200)); // let a renew that was already on the wire land
                Instant lastRenew = lastRenew(client, second.identity());
                Instant expiry = lastRenew.plus(LEASE);
                out.println("   " + second.identity() + "'s last renew is stamped " + lastRenew
                        + "; its lease expires at " + expiry);
                Started third = nextStart("a leader after the crash");
                Duration overLease = Duration.between(expiry, third.wall());
                Duration takeover = Duration.ofNanos(third.nanos() - crashAt);
                out.println("   " + third.identity() + " took over " + takeover.toMillis() + " ms after the crash, "
                        + overLease.toMillis() + " ms after the dead leader's lease expired");
                out.println("   " + second.identity() + "'s term had already ended on its own clock: its renew "
                        + "deadline (" + RENEW_DEADLINE.toSeconds() + " s) is shorter than the lease ("
                        + LEASE.toSeconds() + " s); isLeader() = " + crashed.elector().isLeader());

                out.println();
                out.println("== 3. Shutting down ==");
                pods.get(third.identity()).elector().close();
                crashed.elector().config().lock().close(); // a dead process holds nothing open
                int most = maxLeaders.get();
                out.println();
                out.println("Summary: handover " + handover.toMillis() + " ms; takeover after a crash "
                        + overLease.toMillis() + " ms beyond lease expiry; at most " + most
                        + " valid leader(s) at any moment.");
                return new DemoResult(first.identity(), second.identity(), handover, second.identity(),
                        third.identity(), takeover, overLease, most);
            } finally {
                sampler.interrupt();
                pods.values().forEach(pod -> pod.scheduler().close());
            }
        }
    }

    private Pod newPod(KubernetesClient client, String identity) {
        SystemScheduler scheduler = ElectionScheduler.create("demo-" + identity, 1);
        LeaseLock lock = LeaseLock.builder().client(client).namespace(NAMESPACE).name(LEASE_NAME)
                .identity(identity).build();
        LeaderElector elector = LeaderElector.builder()
                .lock(lock)
                .leaseDuration(LEASE)
                .renewDeadline(RENEW_DEADLINE)
                .retryPeriod(RETRY)
                .scheduler(scheduler)
                .onStartedLeading(leadership -> {
                    long now = System.nanoTime();
                    countLeaders();
                    terms.put(identity, leadership.term());
                    log(identity + ": started leading (term " + leadership.term() + ")");
                    starts.add(new Started(identity, leadership.term(), now, Instant.now()));
                })
                .onStoppedLeading(() -> log(identity + ": stopped leading (term " + terms.get(identity) + ")"))
                .onNewLeader(leader -> log(identity + ": sees " + (leader.equals(identity) ? "itself" : leader)
                        + " as the leader"))
                .build();
        return new Pod(identity, scheduler, elector);
    }

    /** Counts the candidates holding a valid term right now and remembers the most seen. */
    private void countLeaders() {
        int leaders = (int) pods.values().stream().filter(pod -> pod.elector().isLeader()).count();
        maxLeaders.accumulateAndGet(leaders, Math::max);
    }

    private Thread startSampler() {
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                countLeaders();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "demo-leader-sampler");
        sampler.setDaemon(true);
        sampler.start();
        return sampler;
    }

    private Started nextStart(String what) {
        try {
            Started started = starts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (started == null) {
                throw new IllegalStateException("no started-leading callback for " + what + " within " + WAIT);
            }
            return started;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    private static Instant lastRenew(KubernetesClient client, String holder) {
        Lease lease = client.leases().inNamespace(NAMESPACE).withName(LEASE_NAME).get();
        if (lease == null || lease.getSpec() == null || !holder.equals(lease.getSpec().getHolderIdentity())
                || lease.getSpec().getRenewTime() == null) {
            throw new IllegalStateException("expected Lease " + NAMESPACE + "/" + LEASE_NAME + " to name " + holder
                    + " with a renewTime, found " + (lease == null ? "no Lease" : lease.getSpec()));
        }
        return lease.getSpec().getRenewTime().toInstant();
    }

    private synchronized void log(String line) {
        out.printf("[%6d ms] %s%n", millis(System.nanoTime() - t0), line);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
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
