package dev.leasehold.samples.bench;

import dev.leasehold.samples.MockApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of the {@code footprint} scenario: {@code n} electors of one library, each on its own Lease, all
 * through one shared client (and, for Leasehold, its shared scheduler), against the API server at the given
 * URL. Prints one BENCH line with the live-thread and heap-after-GC growth per elector, measured from just
 * before the first elector is built (client made and one request served) to a few renew periods after all lead.
 *
 * <p>Arguments: {@code <lib> <api-url> <n> <timing> <settle-seconds> <stagger-millis>}: the electors start
 * evenly spread over the stagger, and are measured once the settling time has passed after all lead. The settling time after all lead should
 * exceed a minute, the idle time after which fabric8's executor and Leasehold's callback pool end idle threads,
 * so that threads made for the start-up burst do not count.
 */
public final class FootprintProbe {

    private FootprintProbe() {
    }

    public static void main(String[] args) {
        Library library = Library.parse(args[0]);
        String url = args[1];
        int n = Integer.parseInt(args[2]);
        Timing timing = Timing.parse(args[3]);
        Duration settle = Duration.ofSeconds(Long.parseLong(args[4]));
        Duration stagger = Duration.ofMillis(Long.parseLong(args[5]));
        BenchLine line = new BenchLine("footprint", library).put("timing", timing.label()).put("n", n)
                .put("reps", 1).put("jvm", "fresh").put("stagger_ms", stagger.toMillis()).put("settle_s", settle.toSeconds());
        try {
            measure(library, url, n, timing, settle, stagger, line);
        } catch (RuntimeException e) {
            line.error(e);
        } catch (InterruptedException e) {
            line.error(e);
        }
        System.out.println(line);
        System.out.flush();
        Runtime.getRuntime().halt(0); // the electors are not closed: the Leases just expire, as after a crash
    }

    private static void measure(Library library, String url, int n, Timing timing, Duration settle,
            Duration stagger, BenchLine line)
            throws InterruptedException {
        KubernetesClient client = MockApiServer.clientFor(url);
        client.leases().inNamespace("default").withName("footprint-warm-up").get(); // connections, model classes
        long threads0 = threads();
        long heap0 = heapAfterGc();
        ElectionLog log = new ElectionLog();
        List<Candidate> electors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String lease = "footprint-" + library.label() + "-" + i;
            electors.add(library.candidate(client, lease, "e" + i, timing, true, log));
        }
        long started = System.nanoTime();
        long gap = stagger.toNanos() / n;
        for (int i = 0; i < n; i++) {
            long due = started + i * gap;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            electors.get(i).start();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).plus(timing.leaseDuration()).toNanos();
        while (log.startedCount() < n && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
        }
        long allLead = System.nanoTime();
        line.put("all_lead_after_ms", log.startedCount() < n ? "never" : (allLead - started) / 1_000_000);
        // steady state: every Lease renewed many times, threads made for the start-up burst gone
        long settled = allLead + settle.toNanos();
        for (long left = settled - System.nanoTime(); left > 0; left = settled - System.nanoTime()) {
            Thread.sleep(Math.min(left / 1_000_000 + 1, 10_000));
            System.out.println("# footprint " + library.label() + ": " + log.startedCount() + " of " + n
                    + " electors have led, " + threads() + " live threads");
        }
        long threads1 = threads();
        System.out.println("# footprint " + library.label() + " live threads by name: " + threadNames());
        long heap1 = heapAfterGc();
        line.put("threads_per_elector", String.format(java.util.Locale.ROOT, "%.3f", (threads1 - threads0) / (double) n))
                .put("heap_kb_per_elector", Stats.ms((heap1 - heap0) / 1024.0 / n))
                .put("threads_before", threads0).put("threads_after", threads1)
                .put("heap_kb_before", heap0 / 1024).put("heap_kb_after", heap1 / 1024)
                .put("leading", log.startedCount());
    }

    /** Live threads grouped by name with digits dropped, most numerous first. */
    private static String threadNames() {
        java.util.Map<String, Long> byName = Thread.getAllStackTraces().keySet().stream()
                .collect(java.util.stream.Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "#"),
                        java.util.stream.Collectors.counting()));
        return byName.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static long threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
