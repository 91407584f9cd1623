package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.support.FaultProxy;
import dev.leasehold.lock.support.Fleet;
import dev.leasehold.lock.support.MockApi;
import dev.leasehold.lock.support.MockApiBase;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Faults over real HTTP (issue 7): Leasehold electors on a Lease in the mock API server, faults injected by the
 * proxy between them and the server. Timings 4/3/1 s ({@link Fleet}).
 */
class ApiFaultsTest extends MockApiBase {

    /** One candidate with the fleet's timings, its leadership handle and the times of its callbacks. */
    private static final class Candidate implements AutoCloseable {
        final LeaderElector elector;
        final AtomicReference<Leadership> leadership = new AtomicReference<>();
        final AtomicLong startedAt = new AtomicLong();
        final AtomicLong stoppedAt = new AtomicLong();
        final List<Long> terms = new CopyOnWriteArrayList<>();

        Candidate(KubernetesClient client, String identity, boolean releaseOnClose, List<String> violations,
                List<Candidate> all) {
            elector = LeaderElector.builder()
                    .lock(LeaseLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build())
                    .leaseDuration(Fleet.LEASE).renewDeadline(Fleet.RENEW_DEADLINE).retryPeriod(Fleet.RETRY)
                    .releaseOnClose(releaseOnClose)
                    .onStartedLeading(l -> {
                        // no other candidate may still hold a valid term when this one starts
                        all.stream().filter(c -> c != this && c.leadership.get() != null
                                && c.leadership.get().isValid() && c.stoppedAt.get() < c.startedAt.get())
                                .forEach(c -> violations.add(identity + " started while " + c + " was valid"));
                        terms.add(l.term());
                        leadership.set(l);
                        startedAt.set(System.nanoTime());
                    })
                    .onStoppedLeading(() -> stoppedAt.set(System.nanoTime()))
                    .build();
            all.add(this);
            elector.start();
        }

        boolean leading() {
            return elector.isLeader();
        }

        @Override
        public void close() {
            elector.close();
        }

        @Override
        public String toString() {
            return elector.identity();
        }
    }

    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Candidate> all = new CopyOnWriteArrayList<>();

    private Candidate candidate(KubernetesClient via, String identity) {
        return new Candidate(via, identity, true, violations, all);
    }

    /** A candidate that is started alone and awaited as leader, before any other starts. */
    private Candidate leader(KubernetesClient via, String identity, boolean releaseOnClose) {
        Candidate first = new Candidate(via, identity, releaseOnClose, violations, all);
        await().atMost(Duration.ofSeconds(10)).until(first::leading);
        return first;
    }

    @Test
    void anApiThatStallsWhileLeadingEndsTheTermByTheRenewDeadlineStrictlyBeforeAFollowerAcquires() {
        FaultProxy proxy = api.proxy();
        try (Candidate a = leader(api.clientVia(proxy), "a", true); Candidate b = candidate(client, "b")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> b.elector.currentLeader().orElse("").equals("a"));
            Leadership term = a.leadership.get();
            proxy.mode(FaultProxy.Mode.BLACKHOLE);
            // the term's end is fixed when the cut begins: no later than one renew deadline from now, on the
            // elector's clock, whatever a loaded machine does to the threads that notice it
            long cut = System.nanoTime();
            Duration left = term.validFor();
            long endsBy = cut + left.toNanos();
            assertThat(left).isLessThanOrEqualTo(Fleet.RENEW_DEADLINE);

            await().atMost(PATIENCE).until(() -> !term.isValid());
            await().atMost(PATIENCE).until(() -> a.stoppedAt.get() != 0);
            await().atMost(PATIENCE).until(b::leading);
            assertThat(b.startedAt.get()).isGreaterThan(endsBy).isGreaterThan(a.stoppedAt.get());
            assertThat(b.terms).allMatch(t -> t > term.term());
            assertThat(violations).isEmpty();
        }
    }

    @Test
    void tooManyRequestsIsBackedOffWithoutHammeringAndTheFollowerRecoversWhenHealed() throws Exception {
        FaultProxy proxy = api.proxy();
        try (Candidate a = leader(client, "a", true); Candidate b = candidate(api.clientVia(proxy), "b")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> b.elector.currentLeader().orElse("").equals("a"));
            proxy.mode(FaultProxy.Mode.TOO_MANY_REQUESTS);
            long before = proxy.connections();
            Thread.sleep(6000);
            long during = proxy.connections() - before;
            // each 429 closes its connection, so connections count requests: B's reads and its watch attempts, each
            // backed off; a client that retried at once would make thousands in 6 s
            assertThat(during).as("requests in 6 s of 429").isBetween(1L, 30L);
            assertThat(b.elector.state()).isEqualTo(ElectorState.FOLLOWING);

            proxy.mode(FaultProxy.Mode.PASS);
            a.close();
            await().atMost(Fleet.LEASE.plusSeconds(10)).until(b::leading);
            assertThat(violations).isEmpty();
        }
    }

    @Test
    void aWatchBrokenOverAndOverStillTakesOverAfterACrash() throws Exception {
        FaultProxy proxy = api.proxy();
        Candidate a = leader(client, "a", false);
        try (a; Candidate b = candidate(api.clientVia(proxy), "b")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> b.elector.currentLeader().orElse("").equals("a"));
            Thread breaker = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    proxy.cutConnections();
                    try {
                        Thread.sleep(700);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "watch-breaker");
            breaker.setDaemon(true);
            breaker.start();
            try {
                Thread.sleep(2000);
                // a crashes: it stops renewing and does not release
                a.close();
                long crash = System.nanoTime();
                // the property is that b takes over at all with its watch broken (it reads the Lease when the
                // watch has been silent for watchRecheck); how soon is the benchmarks' business
                await().atMost(PATIENCE).until(b::leading);
                assertThat(b.startedAt.get()).isGreaterThan(a.stoppedAt.get()).isGreaterThan(crash);
            } finally {
                breaker.interrupt();
            }
            assertThat(violations).isEmpty();
        }
    }

    @Test
    void aSilentlyDeadWatchStillTakesOverAfterARelease() throws Exception {
        FaultProxy proxy = api.proxy();
        try (Candidate a = leader(client, "a", true); Candidate b = candidate(api.clientVia(proxy), "b")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> b.elector.currentLeader().orElse("").equals("a"));
            Thread.sleep(1000);
            // B's established watch goes quiet without closing; its reads and writes still pass
            proxy.mode(FaultProxy.Mode.SILENT_WATCHES);
            Thread.sleep(500);
            a.close();
            long released = System.nanoTime();
            // b takes over at all although its watch never tells it (see above: no bound on how soon)
            await().atMost(PATIENCE).until(b::leading);
            assertThat(b.startedAt.get()).isGreaterThan(released);
            assertThat(violations).isEmpty();
        }
    }

    @Test
    void anApiServerRestartedEmptyNeverYieldsTwoLeadersAndTermsNeverGoBackwards() {
        FaultProxy proxy = api.proxy();
        try (MockApi restarted = new MockApi();
                Candidate a = candidate(api.clientVia(proxy), "a");
                Candidate b = candidate(api.clientVia(proxy), "b")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> a.leading() || b.leading());
            Candidate leader = a.leading() ? a : b;
            long term = leader.leadership.get().term();

            proxy.retarget(restarted);
            await().atMost(Fleet.LEASE.multipliedBy(3)).until(() -> a.startedAt.get() + b.startedAt.get() > 0
                    && (a.leading() || b.leading()) && (a.leading() ? a : b).leadership.get().term() > term);
            assertThat(violations).isEmpty();
            List<Long> terms = new CopyOnWriteArrayList<>(a.terms);
            terms.addAll(b.terms);
            assertThat(terms).doesNotHaveDuplicates();
        }
    }
}
