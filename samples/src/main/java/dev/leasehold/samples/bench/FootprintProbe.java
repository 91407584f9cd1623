package dev.leasehold.samples.bench;

import dev.leasehold.samples.MockApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The child JVM of the {@code footprint} scenario: electors of one library, each on its own Lease, all through one
 * shared client (and, for Leasehold, its shared scheduler), against the API server at the given URL (in another
 * process, so that its memory and threads do not count). Prints one BENCH line.
 *
 * <p>It measures twice: once {@code base} electors lead and have settled, and again once {@code n} lead and have
 * settled. The per-elector figures are the growth between the two measurements divided by {@code n - base}: the
 * marginal cost of one more elector. One-time costs (classes loaded by the first elections, the HTTP client's
 * buffer pools and threads, the library's shared scheduler) are paid before the first measurement and cancel out.
 * The older figure, growth from before the first elector to the second measurement divided by {@code n}, is kept
 * as {@code *_per_elector_incl_fixed}: it mixes the one-time costs in and swings between runs.
 *
 * <p>Arguments: {@code <lib> <api-url> <base> <n> <timing> <settle-seconds> <stagger-millis>}: each batch of
 * electors starts evenly spread over the stagger, and is measured once the settling time has passed after all
 * lead. The settling time should exceed a minute, the idle time after which fabric8's executor and Leasehold's
 * callback pool end idle threads, so that threads made for a start-up burst do not count. Heap is measured after
 * several {@code System.gc()} calls.
 */
public final class FootprintProbe {

    private FootprintProbe() {
    }

    public static void main(String[] args) {
        Library library = Library.parse(args[0]);
        String url = args[1];
        int base = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[3]);
        Timing timing = Timing.parse(args[4]);
        Duration settle = Duration.ofSeconds(Long.parseLong(args[5]));
        Duration stagger = Duration.ofMillis(Long.parseLong(args[6]));
        BenchLine line = new BenchLine("footprint-run", library).put("timing", timing.label()).put("n", n)
                .put("base", base).put("reps", 1).put("jvm", "fresh").put("stagger_ms", stagger.toMillis())
                .put("settle_s", settle.toSeconds());
        try {
            measure(library, url, base, n, timing, settle, stagger, line);
        } catch (RuntimeException e) {
            line.error(e);
        } catch (InterruptedException e) {
            line.error(e);
        }
        System.out.println(line);
        System.out.flush();
        Runtime.getRuntime().halt(0); // the electors are not closed: the Leases just expire, as after a crash
    }

    private static void measure(Library library, String url, int base, int n, Timing timing, Duration settle,
            Duration stagger, BenchLine line)
            throws InterruptedException {
        KubernetesClient client = MockApiServer.clientFor(url);
        client.leases().inNamespace("default").withName("footprint-warm-up").get(); // connections, model classes
        long threads0 = threads();
        long heap0 = heapAfterGc();
        ElectionLog log = new ElectionLog();
        List<Candidate> electors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Leases of this JVM only: a run before it halted holding Leases with the same identities, and an
            // elector waits out a lease that names its identity with a term it did not write (a twin's, for all it
            // knows), which would add a whole lease to every run after the first
            String lease = "footprint-" + library.label() + "-" + ProcessHandle.current().pid() + "-" + i;
            electors.add(library.candidate(client, lease, "e" + i, timing, true, log));
        }
        long baseLed = startAndSettle(library, electors.subList(0, base), log, timing, settle, stagger);
        long threads1 = threads();
        long heap1 = heapAfterGc();
        long addedLed = startAndSettle(library, electors.subList(base, n), log, timing, settle, stagger);
        long threads2 = threads();
        System.out.println("# footprint " + library.label() + " live threads by name: " + threadNames());
        long heap2 = heapAfterGc();
        int added = n - base;
        line.put("threads_per_elector", String.format(Locale.ROOT, "%.3f", (threads2 - threads1) / (double) added))
                .put("heap_kb_per_elector", Stats.ms((heap2 - heap1) / 1024.0 / added))
                .put("threads_per_elector_incl_fixed",
                        String.format(Locale.ROOT, "%.3f", (threads2 - threads0) / (double) n))
                .put("heap_kb_per_elector_incl_fixed", Stats.ms((heap2 - heap0) / 1024.0 / n))
                .put("all_lead_after_ms", addedLed).put("base_all_lead_after_ms", baseLed)
                .put("threads_before", threads0).put("threads_at_base", threads1).put("threads_after", threads2)
                .put("heap_kb_before", heap0 / 1024).put("heap_kb_at_base", heap1 / 1024)
                .put("heap_kb_after", heap2 / 1024)
                .put("leading", log.startedCount());
    }

    /**
     * Starts the electors spread over the stagger, waits until all that were started lead, then the settle.
     * Returns the milliseconds from the first start until all of the batch led.
     */
    private static long startAndSettle(Library library, List<Candidate> batch, ElectionLog log, Timing timing,
            Duration settle, Duration stagger) throws InterruptedException {
        long leadingBefore = log.startedCount();
        long started = System.nanoTime();
        long gap = stagger.toNanos() / batch.size();
        for (int i = 0; i < batch.size(); i++) {
            long wait = started + i * gap - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            batch.get(i).start();
        }
        long expected = leadingBefore + batch.size();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).plus(timing.leaseDuration()).toNanos();
        while (log.startedCount() < expected && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
        }
        if (log.startedCount() < expected) {
            throw new IllegalStateException("only " + log.startedCount() + " of " + expected + " electors led within "
                    + "a minute and a lease");
        }
        long allLed = (System.nanoTime() - started) / 1_000_000;
        // steady state: every Lease renewed many times, threads made for the start-up burst gone
        long settled = System.nanoTime() + settle.toNanos();
        for (long left = settled - System.nanoTime(); left > 0; left = settled - System.nanoTime()) {
            Thread.sleep(Math.min(left / 1_000_000 + 1, 15_000));
            System.out.println("# footprint " + library.label() + ": " + log.startedCount() + " of " + expected
                    + " electors have led, " + threads() + " live threads");
        }
        return allLed;
    }

    /** Live threads grouped by name with digits dropped, most numerous first. */
    private static String threadNames() {
        Map<String, Long> byName = Thread.getAllStackTraces().keySet().stream()
                .collect(Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "#"), Collectors.counting()));
        return byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static long threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Heap in use after several full collections, a pause between each for reference processing and cleaners. */
    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(300);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
