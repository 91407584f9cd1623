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

    static void run(String apiUrl, BenchOptions options, Library library, PrintStream out) {
        Timing timing = options.footprintTiming();
        BenchLine failed = new BenchLine("footprint", library).put("timing", timing.label())
                .put("n", options.footprintElectors()).put("reps", 1).put("jvm", "fresh");
        try {
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", classPath(),
                    FootprintProbe.class.getName(), library.label(), apiUrl,
                    String.valueOf(options.footprintElectors()), timing.label()));
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String result = null;
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("BENCH ")) {
                        result = line;
                    } else if (line.startsWith("# ")) {
                        out.println(line);
                    }
                }
            }
            if (!child.waitFor(3, TimeUnit.MINUTES)) {
                child.destroyForcibly();
                throw new IllegalStateException("footprint JVM did not finish within 3 minutes");
            }
            if (result == null) {
                throw new IllegalStateException("footprint JVM exited with " + child.exitValue()
                        + " and printed no BENCH line");
            }
            out.println(result);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println(failed.error(e));
        } catch (Exception e) {
            out.println(failed.error(e));
        }
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
