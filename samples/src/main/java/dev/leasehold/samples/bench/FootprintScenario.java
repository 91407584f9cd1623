package dev.leasehold.samples.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code footprint}: runs {@link FootprintProbe} in fresh JVMs (same Java, same class path), against this
 * process's mock API server, so that neither library's leftovers (pools, caches) count against the other and the
 * server's memory and threads are not counted, relays each run's BENCH line and summarises the runs.
 */
final class FootprintScenario {

    private FootprintScenario() {
    }

    /** The per-elector figures the summary line reports as median and spread over the runs. */
    private static final List<String> SUMMARISED = List.of("threads_per_elector", "heap_kb_per_elector",
            "threads_per_elector_incl_fixed", "heap_kb_per_elector_incl_fixed", "all_lead_after_ms");

    /**
     * Runs {@code footprint.runs} child JVMs per library, one after the other and alternating between the
     * libraries (at once, their start-up bursts would slow each other and the server down; in a row, a drift of
     * the machine would favour one library), prints each run's {@code footprint-run} line, then one
     * {@code footprint} line per library with the median of each per-elector figure and its spread
     * ({@code <figure>_range=min..max}).
     */
    static void run(String serverUrl, BenchOptions options, PrintStream out) {
        if (!options.footprintLatency().isZero()) {
            try (DelayingProxy proxy = DelayingProxy.start(serverUrl, options.footprintLatency())) {
                runAll(proxy.url(), options, out);
            }
        } else {
            runAll(serverUrl, options, out);
        }
    }

    private static void runAll(String apiUrl, BenchOptions options, PrintStream out) {
        Map<Library, List<Map<String, String>>> runs = new LinkedHashMap<>();
        for (int run = 1; run <= options.footprintRuns(); run++) {
            for (Library library : options.libs()) {
                for (String line : probe(apiUrl, options, library)) {
                    out.println(line);
                    if (line.startsWith("BENCH ")) {
                        runs.computeIfAbsent(library, l -> new ArrayList<>()).add(fields(line));
                    }
                }
                out.flush();
            }
        }
        runs.forEach((library, lines) -> out.println(summary(options, library, lines)));
        out.flush();
    }

    /** The {@code footprint} line of one library: medians and spreads over its runs that did not fail. */
    static BenchLine summary(BenchOptions options, Library library, List<Map<String, String>> runs) {
        List<Map<String, String>> good = runs.stream().filter(r -> !r.containsKey("error")).toList();
        BenchLine line = new BenchLine("footprint", library).put("timing", options.footprintTiming().label())
                .put("n", options.footprintElectors()).put("base", options.footprintBase()).put("reps", good.size())
                .put("jvm", "fresh").put("settle_s", options.footprintSettle().toSeconds())
                .put("latency_ms", options.footprintLatency().toMillis());
        if (good.isEmpty()) {
            return line.put("error", "every_run_failed");
        }
        for (String figure : SUMMARISED) {
            List<Double> values = good.stream().filter(r -> r.containsKey(figure))
                    .map(r -> Double.parseDouble(r.get(figure))).sorted().toList();
            if (values.isEmpty()) {
                continue; // a figure older runs did not print
            }
            String format = figure.startsWith("threads") ? "%.3f" : figure.endsWith("_ms") ? "%.0f" : "%.1f";
            line.put(figure, String.format(Locale.ROOT, format, median(values)))
                    .put(figure + "_range", String.format(Locale.ROOT, format + ".." + format, values.get(0),
                            values.get(values.size() - 1)));
        }
        return line.put("failed_runs", runs.size() - good.size());
    }

    private static double median(List<Double> sorted) {
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : line.substring("BENCH ".length()).split(" ")) {
            int eq = field.indexOf('=');
            fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return fields;
    }

    private static List<String> probe(String apiUrl, BenchOptions options, Library library) {
        Timing timing = options.footprintTiming();
        List<String> printed = new ArrayList<>();
        try {
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", classPath(),
                    FootprintProbe.class.getName(), library.label(), apiUrl,
                    String.valueOf(options.footprintBase()), String.valueOf(options.footprintElectors()),
                    timing.label(),
                    String.valueOf(options.footprintSettle().toSeconds()),
                    String.valueOf(options.footprintStagger().toMillis())));
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            boolean benched = false;
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("BENCH ") || line.startsWith("# ")) {
                        printed.add(line);
                        benched |= line.startsWith("BENCH ");
                    }
                }
            }
            if (!child.waitFor(1, TimeUnit.MINUTES)) {
                child.destroyForcibly();
                throw new IllegalStateException("footprint JVM did not exit");
            }
            if (!benched) {
                throw new IllegalStateException("footprint JVM exited with " + child.exitValue()
                        + " and printed no BENCH line");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            printed.add(failed(options, library).error(e).toString());
        } catch (Exception e) {
            printed.add(failed(options, library).error(e).toString());
        }
        return printed;
    }

    private static BenchLine failed(BenchOptions options, Library library) {
        return new BenchLine("footprint-run", library).put("timing", options.footprintTiming().label())
                .put("n", options.footprintElectors()).put("base", options.footprintBase()).put("reps", 1)
                .put("jvm", "fresh");
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The class path this class was loaded from: exec:java's class loader, else the JVM's own class path. */
    private static String classPath() throws URISyntaxException {
        ClassLoader loader = FootprintScenario.class.getClassLoader();
        if (loader instanceof URLClassLoader urls && urls.getURLs().length > 0) {
            List<String> entries = new ArrayList<>();
            for (URL url : urls.getURLs()) {
                entries.add(Path.of(url.toURI()).toString());
            }
            return String.join(File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }
}
