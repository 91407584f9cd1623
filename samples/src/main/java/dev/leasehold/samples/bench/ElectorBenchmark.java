package dev.leasehold.samples.bench;

import dev.leasehold.samples.MockApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Instant;

/**
 * Runs Leasehold and fabric8's own {@code LeaderElector} side by side on one mock API server with the same
 * settings, and prints one line per library, scenario and setting:
 * {@code BENCH scenario=<name> lib=<leasehold|fabric8> <metric>=<value> ...}. See {@code samples/README.md} for
 * the scenarios and the definition of every metric.
 *
 * <p>Arguments: optionally {@code quick} first, then {@code key=value} pairs (see {@link BenchOptions}). A
 * scenario that fails for one library prints a line with {@code error=<reason>} and the run goes on.
 */
public final class ElectorBenchmark {

    private ElectorBenchmark() {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ElectorBenchmark: " + e.getMessage());
            System.exit(2);
            return;
        }
        run(options, System.out);
        System.exit(0);
    }

    /** Runs the selected scenarios, printing BENCH lines (and a few # comment lines) to {@code out}. */
    public static void run(BenchOptions options, PrintStream out) {
        out.println("# ElectorBenchmark " + Instant.now() + " java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus; " + options);
        try (MockApiServer server = MockApiServer.start()) {
            KubernetesClient client = server.newClient();
            client.leases().inNamespace("default").withName("warm-up").get(); // model classes, connections
            for (String scenario : options.scenarios()) {
                switch (scenario) {
                    case "handover" -> eachTiming(options, (library, timing) ->
                            HandoverScenario.run(client, options, library, timing, out));
                    case "crash" -> eachTiming(options, (library, timing) ->
                            CrashScenario.run(client, options, library, timing, out));
                    case "load" -> LoadScenario.run(server, options, out);
                    case "footprint" -> FootprintScenario.run(server.url(), options, out);
                    default -> throw new IllegalStateException("unknown scenario " + scenario);
                }
                server.forgetRecordedRequests();
                out.println("# after " + scenario + ": " + MockApiServer.stalls() + " mock-server stall(s) so far");
                out.flush();
            }
        }
        out.println("# ElectorBenchmark done " + Instant.now());
    }

    private interface PerTiming {
        void run(Library library, Timing timing);
    }

    private static void eachTiming(BenchOptions options, PerTiming scenario) {
        for (Timing timing : options.timings()) {
            for (Library library : options.libs()) {
                scenario.run(library, timing);
            }
        }
    }
}
