package dev.leasehold.samples.operator;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.Leadership;
import dev.leasehold.core.SystemScheduler;
import dev.leasehold.samples.MockApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Two replicas of a controller, {@code op-a} and {@code op-b}, on a mock API server in this JVM. {@code op-a}
 * leads and reconciles a ConfigMap; in the middle of a write (after reading, before writing) its whole process
 * pauses, as in a long GC pause: no renewals, no work. Its term expires, {@code op-b} takes over with a newer term and
 * writes. Then {@code op-a} wakes and finishes its write with its old term: the ConfigMap's fencing rejects it, and
 * {@code op-b}'s data stays.
 *
 * <pre>
 * ./mvnw -q -B install -DskipTests &amp;&amp; ./mvnw -q -B -pl samples exec:java \
 *     -Dexec.mainClass=dev.leasehold.samples.operator.OperatorDemo
 * </pre>
 */
public final class OperatorDemo {

    static final Controller.Timings TIMINGS = new Controller.Timings(Duration.ofSeconds(4), Duration.ofSeconds(3),
            Duration.ofSeconds(1));
    private static final Duration PERIOD = Duration.ofMillis(500);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String NAMESPACE = "default";

    /** What happened: the stale write's rejection and what the ConfigMap holds at the end. */
    public record Result(StaleTermException rejection, long staleWritesAccepted, long finalTerm,
            Map<String, String> finalData) {
    }

    private final PrintStream out;
    private final long t0 = System.nanoTime();
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resume = new CountDownLatch(1);
    private volatile boolean pauseOpA;
    private volatile long pausedTerm;

    private OperatorDemo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        Result result = run(System.out);
        System.exit(result.finalData().get("owner").equals("op-b") ? 0 : 1);
    }

    /**
     * Runs the scenario, printing it to {@code out}.
     *
     * @throws IllegalStateException when a step does not happen within 20 s
     */
    public static Result run(PrintStream out) {
        return new OperatorDemo(out).run();
    }

    private Result run() {
        try (MockApiServer server = MockApiServer.start();
                SystemScheduler schedulerA = ElectionScheduler.create("op-a", 1);
                SystemScheduler schedulerB = ElectionScheduler.create("op-b", 1)) {
            KubernetesClient client = server.newClient();
            FencedConfigMap target = new FencedConfigMap(client, NAMESPACE, "desired-state");
            out.println("Operator demo: op-a and op-b compete for Lease " + NAMESPACE + "/controller; the leader "
                    + "reconciles ConfigMap " + NAMESPACE + "/desired-state every " + PERIOD.toMillis() + " ms,");
            out.println("  each write fenced by its term (annotation " + FencedConfigMap.TERM_ANNOTATION
                    + ", compare-and-swap on resourceVersion)");
            out.println("  API server: fabric8 KubernetesMockServer (CRUD mode) at " + server.url());
            out.println();
            Controller a = new Controller(client, NAMESPACE, "controller", "op-a", target, this::reconcile, PERIOD,
                    TIMINGS, schedulerA).start();
            Controller b = null;
            try {
                waitFor("op-a to lead and write", () -> a.writes() >= 2);
                log("op-a leads (term " + target.highestTerm() + ") and has written " + a.writes() + " times");
                b = new Controller(client, NAMESPACE, "controller", "op-b", target, this::reconcile, PERIOD,
                        TIMINGS, schedulerB).start();
                Controller second = b;

                pauseOpA = true;
                await(paused, "op-a to begin a write");
                schedulerA.close(); // the whole process is paused: no renewals either
                log("op-a read the ConfigMap (its term: " + pausedTerm + ") and pauses before writing it: a stop-the-world pause, "
                        + "no renewals");

                waitFor("op-b to take over and write", () -> second.writes() >= 1);
                log("op-b took over after op-a's lease expired; it writes with term " + target.highestTerm()
                        + ": " + target.data());

                long accepted = a.writes();
                log("op-a wakes up and finishes its write, with term " + pausedTerm);
                resume.countDown();
                waitFor("op-a's stale write to be refused", () -> !a.rejected().isEmpty());
                StaleTermException rejection = a.rejected().get(0);
                log("op-a: rejected: " + rejection.getMessage());
                long staleAccepted = a.writes() - accepted;
                waitFor("op-b to write again", () -> second.writes() >= 3);
                Map<String, String> data = target.data();
                long term = target.highestTerm();
                log("the ConfigMap holds term " + term + ": " + data);
                out.println();
                out.println("Summary: the stale leader's write (term " + rejection.term() + ") was rejected; writes "
                        + "of the stale term accepted after the takeover: " + staleAccepted + "; op-b's data stands.");
                return new Result(rejection, staleAccepted, term, data);
            } finally {
                resume.countDown();
                if (b != null) {
                    b.close();
                }
                a.abandon(); // its process was frozen for good: no release
            }
        }
    }

    private Map<String, String> reconcile(Leadership leadership, Map<String, String> observed) {
        if (leadership.identity().equals("op-a") && pauseOpA && paused.getCount() > 0) {
            pausedTerm = leadership.term();
            paused.countDown();
            await(resume, "the end of op-a's pause");
        }
        Map<String, String> desired = new HashMap<>(observed);
        desired.put("owner", leadership.identity());
        desired.put("term", Long.toString(leadership.term()));
        desired.put("generation", Long.toString(Long.parseLong(observed.getOrDefault("generation", "0")) + 1));
        return desired;
    }

    private void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + WAIT + " for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("waited " + WAIT + " for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    private void log(String line) {
        out.printf("[%6d ms] %s%n", (System.nanoTime() - t0) / 1_000_000, line);
    }
}
