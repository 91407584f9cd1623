package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.support.FaultProxy;
import dev.leasehold.lock.support.Fleet;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Defect 7 of issue 7: one shared pool of call threads with a FIFO queue let a hung API server starve electors
 * that talk to a healthy one in the same JVM. Calls are asynchronous now; this pins that a dead server costs the
 * healthy elector nothing.
 */
class HungApiServerIsolationTest {

    @Test
    void defect7AHungApiServerDoesNotStarveAnElectorOnAHealthyOne() {
        try (MockApi healthy = new MockApi(); MockApi dead = new MockApi()) {
            FaultProxy blackhole = dead.proxy();
            blackhole.mode(FaultProxy.Mode.BLACKHOLE);
            KubernetesClient deadClient = dead.clientVia(blackhole);
            KubernetesClient healthyClient = healthy.client();
            AtomicInteger stops = new AtomicInteger();
            List<LeaderElector> electors = new ArrayList<>();
            try {
                LeaderElector lucky = elector(healthyClient, "lucky", "healthy", stops);
                electors.add(lucky);
                lucky.start();
                await().atMost(Duration.ofSeconds(10)).until(lucky::isLeader);
                for (int i = 0; i < 100; i++) {
                    LeaderElector stuck = elector(deadClient, "stuck-" + i, "dead-" + i, new AtomicInteger());
                    electors.add(stuck);
                    stuck.start();
                }
                // three lease durations of renewals while 100 electors' calls hang on the other server
                long until = System.nanoTime() + Fleet.LEASE.multipliedBy(3).toNanos();
                while (System.nanoTime() < until) {
                    assertThat(lucky.isLeader()).as("the elector on the healthy server still leads").isTrue();
                    sleep(50);
                }
                assertThat(stops).as("stopped-leading callbacks of the healthy elector").hasValue(0);
                assertThat(electors.subList(1, electors.size())).noneMatch(LeaderElector::isLeader);
            } finally {
                electors.forEach(LeaderElector::close);
            }
        }
    }

    private static LeaderElector elector(KubernetesClient client, String name, String identity,
            AtomicInteger stops) {
        return LeaderElector.builder()
                .lock(LeaseLock.builder().client(client).namespace("test").name(name).identity(identity).build())
                .leaseDuration(Fleet.LEASE).renewDeadline(Fleet.RENEW_DEADLINE).retryPeriod(Fleet.RETRY)
                .releaseOnClose(false)
                .onStoppedLeading(stops::incrementAndGet)
                .build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
