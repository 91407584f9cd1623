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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code footprint}: runs {@link FootprintProbe} in a fresh JVM per library (same Java, same class path), against
 * this process's mock API server, so that neither library's leftovers (pools, caches) count against the other,
 * and relays its BENCH line.
 */
final class FootprintScenario {

    private FootprintScenario() {
    }

    /**
     * Runs one child JVM per library, one after the other (at once, their start-up bursts would slow each other
     * and the server down), and prints their lines.
     */
    static void run(String apiUrl, BenchOptions options, PrintStream out) {
        for (Library library : options.libs()) {
            probe(apiUrl, options, library).forEach(out::println);
            out.flush();
        }
    }

    private static List<String> probe(String apiUrl, BenchOptions options, Library library) {
        Timing timing = options.footprintTiming();
        List<String> printed = new ArrayList<>();
        try {
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", classPath(),
                    FootprintProbe.class.getName(), library.label(), apiUrl,
                    String.valueOf(options.footprintElectors()), timing.label(),
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
        return new BenchLine("footprint", library).put("timing", options.footprintTiming().label())
                .put("n", options.footprintElectors()).put("reps", 1).put("jvm", "fresh");
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
