package dev.leasehold.samples.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code crash}: the leader stops renewing without releasing (Leasehold: {@code releaseOnClose(false)} and
 * {@code close()}; fabric8: {@code releaseOnCancel(false)} and cancelling its future), at a random moment of its
 * renew cycle. Measures the time from the crash to another candidate's started-leading callback, and
 * {@code over_lease}: from the dead leader's lease expiry (the {@code renewTime} of its last renew, as written in
 * the Lease, plus the lease duration) to the new leader's started-leading callback, both on this JVM's wall
 * clock. Repetitions run a few at a time, each on its own Lease.
 */
final class CrashScenario {

    private record Sample(double takeoverMillis, double overLeaseMillis, int maxLeaders) { }

    private CrashScenario() {
    }

    static void run(KubernetesClient client, BenchOptions options, Library library, Timing timing, PrintStream out) {
        BenchLine line = new BenchLine("crash", library).put("timing", timing.label())
                .put("reps", options.crashReps()).put("candidates", options.candidates())
                .put("parallel", Math.min(options.crashParallel(), options.crashReps()));
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.crashParallel(), options.crashReps()));
        try {
            List<Future<Sample>> futures = new ArrayList<>();
            for (int rep = 1; rep <= options.crashReps(); rep++) {
                String lease = "crash-" + library.label() + "-" + timing.slug() + "-r" + rep;
                futures.add(pool.submit(() -> once(client, options, library, timing, lease)));
            }
            List<Double> takeover = new ArrayList<>();
            List<Double> overLease = new ArrayList<>();
            int maxLeaders = 0;
            for (Future<Sample> future : futures) {
                Sample sample = future.get();
                takeover.add(sample.takeoverMillis());
                overLease.add(sample.overLeaseMillis());
                maxLeaders = Math.max(maxLeaders, sample.maxLeaders());
            }
            Stats t = new Stats(takeover);
            Stats o = new Stats(overLease);
            out.println("# crash " + library.label() + " " + timing.label() + " samples_ms=" + t + " over_lease_ms=" + o);
            line.put("p50_ms", Stats.ms(t.percentile(50))).put("p95_ms", Stats.ms(t.percentile(95)))
                    .put("over_lease_p50_ms", Stats.ms(o.percentile(50)))
                    .put("over_lease_p95_ms", Stats.ms(o.percentile(95)))
                    .put("over_lease_max_ms", Stats.ms(o.max()))
                    .put("max_leaders", maxLeaders);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            line.error(e);
        } catch (ExecutionException e) {
            line.error(e.getCause());
        } catch (RuntimeException e) {
            line.error(e);
        } finally {
            pool.shutdownNow();
        }
        out.println(line);
    }

    private static Sample once(KubernetesClient client, BenchOptions options, Library library, Timing timing,
            String lease) throws InterruptedException {
        try (Contest contest = new Contest(client, library, lease, timing, options.candidates(), false);
                LeaseObserver observer = new LeaseObserver(client, lease)) {
            String leader = contest.startAndAwaitLeader();
            long phase = ThreadLocalRandom.current().nextLong(timing.retryPeriod().toMillis() + 1);
            Thread.sleep(options.settle().toMillis() + phase);
            long crashed = System.nanoTime();
            contest.candidate(leader).stop();
            ElectionLog.Event next = contest.log().awaitStarted(leader, crashed, contest.patience())
                    .orElseThrow(() -> new IllegalStateException("no new leader on " + lease + " within "
                            + contest.patience() + " after the crash"));
            Instant lastRenew = observer.lastRenewOf(leader)
                    .orElseThrow(() -> new IllegalStateException("never saw a renew time of " + leader + " on "
                            + lease));
            Instant expiry = lastRenew.plus(timing.leaseDuration());
            double overLease = Duration.between(expiry, next.wall()).toNanos() / 1e6;
            return new Sample((next.nanos() - crashed) / 1e6, overLease, contest.log().maxLeaders());
        }
    }
}
