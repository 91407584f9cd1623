package dev.leasehold.samples.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code handover}: the leader stops gracefully (Leasehold: {@code close()}, which releases; fabric8: cancelling
 * its future with {@code releaseOnCancel}). Measures the time from asking it to stop to another candidate's
 * started-leading callback; counts how often the Lease still named the old holder once the old leader's stop
 * (and release) was done, and how often the old leader's stopped callback came after the new leader's started
 * callback.
 */
final class HandoverScenario {

    private HandoverScenario() {
    }

    static void run(KubernetesClient client, BenchOptions options, Library library, Timing timing, PrintStream out) {
        BenchLine line = new BenchLine("handover", library).put("timing", timing.label())
                .put("reps", options.reps()).put("candidates", options.candidates());
        try {
            List<Double> millis = new ArrayList<>();
            int stillOld = 0;
            int stopAfterStart = 0;
            int maxLeaders = 0;
            for (int rep = 1; rep <= options.reps(); rep++) {
                String lease = "handover-" + library.label() + "-" + timing.slug() + "-r" + rep;
                try (Contest contest = new Contest(client, library, lease, timing, options.candidates(), true)) {
                    String leader = contest.startAndAwaitLeader();
                    Thread.sleep(options.settle().toMillis());
                    long asked = System.nanoTime();
                    contest.candidate(leader).stop();
                    if (contest.holder().filter(leader::equals).isPresent()) {
                        stillOld++;
                    }
                    ElectionLog.Event next = contest.log().awaitStarted(leader, asked, contest.patience())
                            .orElseThrow(() -> new IllegalStateException("no new leader on " + lease + " within "
                                    + contest.patience() + " after the leader stopped"));
                    millis.add((next.nanos() - asked) / 1e6);
                    ElectionLog.Event stopped = contest.log().lastStopped(leader)
                            .orElseThrow(() -> new IllegalStateException("old leader " + leader + " on " + lease
                                    + " never reported stopped-leading"));
                    if (stopped.nanos() - next.nanos() > 0) {
                        stopAfterStart++;
                    }
                    maxLeaders = Math.max(maxLeaders, contest.log().maxLeaders());
                }
            }
            Stats stats = new Stats(millis);
            out.println("# handover " + library.label() + " " + timing.label() + " samples_ms=" + stats);
            line.put("p50_ms", Stats.ms(stats.percentile(50))).put("p95_ms", Stats.ms(stats.percentile(95)))
                    .put("max_ms", Stats.ms(stats.max()))
                    .put("old_holder_after_release", stillOld + "/" + options.reps())
                    .put("stop_after_new_start", stopAfterStart + "/" + options.reps())
                    .put("max_leaders", maxLeaders);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            line.error(e);
        } catch (RuntimeException e) {
            line.error(e);
        }
        out.println(line);
    }
}
