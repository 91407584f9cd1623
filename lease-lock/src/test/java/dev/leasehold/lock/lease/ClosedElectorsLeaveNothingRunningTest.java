package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.support.Fleet;
import dev.leasehold.lock.support.MockApi;
import dev.leasehold.lock.support.NonBlockingWatchSends;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 7: after 200 electors on one shared client were closed, 215 threads were still alive and the mock API
 * server then failed to shut down. After {@code close()} no watch, thread or timer of an elector may remain.
 * Every wait is for an event, bounded generously: a loaded machine makes the test slower, never failed; the
 * electors and the mock server are closed whatever happens, so a failure here cannot starve the next tests.
 */
class ClosedElectorsLeaveNothingRunningTest {

    private static final int ELECTORS = 200;
    /** An upper bound on each wait; on an idle machine every one of them ends within seconds or one idle timeout. */
    private static final Duration PATIENCE = Duration.ofMinutes(5);

    @Test
    void closingElectorsLeavesNoWatchThreadOrTimerBehind() {
        MockApi api = new MockApi();
        boolean closed = false;
        try {
            closed = leavesNothingBehind(api);
        } finally {
            if (!closed) {
                api.close();
            }
        }
    }

    /** Runs the test on {@code api}; true once it has closed {@code api} itself. */
    private static boolean leavesNothingBehind(MockApi api) {
        KubernetesClient client = api.client();
        // the shared client's own threads exist before the first elector: warm it up with one request
        client.leases().inNamespace("test").list();
        // and the elector machinery's shared threads: one elector, started and closed
        startAndClose(client, 1);
        Map<String, Integer> baseline = threadsByName();

        startAndClose(client, ELECTORS);

        // no watch is left open on the server
        await().atMost(PATIENCE).until(() -> NonBlockingWatchSends.openWatches() == 0);
        // idle pool threads end after a while: Leasehold's watch pool and the mock server's writers after 5 s, the
        // callback pool and the shared client's executor (which delivers watch events) after 60 s
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (total(threadsByName()) > total(baseline) + 2 && System.nanoTime() < deadline) {
            sleep(1000);
        }
        Map<String, Integer> after = threadsByName();
        LoggerFactory.getLogger(ClosedElectorsLeaveNothingRunningTest.class).info("threads before: {} {}, after closing {} electors: {} {}",
                total(baseline), baseline, ELECTORS, total(after), after);
        assertThat(total(after)).as("threads after closing, by name: %s; before: %s", after, baseline)
                .isLessThanOrEqualTo(total(baseline) + 2);

        // the mock server shuts down cleanly: every watch was closed by its client
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(api::close);
        assertThat(shutdown).succeedsWithin(PATIENCE);
        return true;
    }

    private static void startAndClose(KubernetesClient client, int count) {
        List<LeaderElector> electors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            LeaderElector elector = LeaderElector.builder()
                    .lock(LeaseLock.builder().client(client).namespace("test").name("lock-" + (i % 20))
                            .identity("candidate-" + i).build())
                    .leaseDuration(Fleet.LEASE).renewDeadline(Fleet.RENEW_DEADLINE).retryPeriod(Fleet.RETRY)
                    .build();
            electors.add(elector);
            elector.start();
        }
        try {
            // every lock has a leader, so every elector has read, written and watched
            await().atMost(PATIENCE).until(() -> electors.stream().filter(LeaderElector::isLeader).count()
                    == Math.min(count, 20));
        } finally {
            List<CompletableFuture<Void>> closed = electors.stream()
                    .map(e -> CompletableFuture.runAsync(e::close)).toList();
            CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new))
                    .orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Integer> threadsByName() {
        Map<String, Integer> byName = new TreeMap<>();
        Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .forEach(t -> byName.merge(t.getName().replaceAll("[-#]?\\d+$", ""), 1, Integer::sum));
        return byName;
    }

    private static int total(Map<String, Integer> byName) {
        return byName.values().stream().mapToInt(Integer::intValue).sum();
    }
}
