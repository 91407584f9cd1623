package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.spi.ResourceLock;
import io.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.kubernetes.client.extended.leaderelection.LeaderElectionRecord;
import io.kubernetes.client.extended.leaderelection.LeaderElector;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A Leasehold release as kubernetes-client/java 24's elector of the same kind reads it. That elector takes only a
 * null holder (or null times) as free and otherwise waits a whole lease duration of its own after it saw the record
 * change; so a release that named an empty holder made it wait a lease. Each lock module runs this with its lock
 * and kubernetes-client/java's lock on the same object.
 */
public abstract class ClientJavaReleaseHandoverContract extends MockApiBase {

    /**
     * kubernetes-client/java's lease: long enough that waiting it out cannot pass for a handover, and that "at once
     * after the release" (normally about a second) stays far from it however slow a loaded machine makes it.
     */
    private static final Duration JAVA_LEASE = Duration.ofSeconds(120);

    /** Leasehold's lock on {@code NAMESPACE}/{@code NAME}. */
    protected abstract ResourceLock ourLock(String identity);

    /** kubernetes-client/java's lock of the same kind on the same object. */
    protected abstract Lock theirLock(String identity, ApiClient apiClient);

    @Test
    void aReleaseIsTakenOverByKubernetesClientJavaWithoutWaitingOutItsLease() throws Exception {
        Fleet.Leasehold ours = fleet.leasehold(ourLock("leasehold-1"));
        await().atMost(Duration.ofSeconds(10)).until(ours::leading);

        ApiClient apiClient = apiClient();
        List<String> leadersSeen = new CopyOnWriteArrayList<>();
        AtomicLong startedAt = new AtomicLong();
        LeaderElector theirs = new LeaderElector(new LeaderElectionConfig(theirLock("java-1", apiClient),
                JAVA_LEASE, Duration.ofSeconds(15), Duration.ofSeconds(1)));
        Thread runner = new Thread(() -> theirs.run(() -> startedAt.set(System.nanoTime()), () -> { },
                leadersSeen::add), "client-java-elector");
        runner.setDaemon(true);
        runner.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> leadersSeen.contains("leasehold-1"));
            // it saw the record change just now: without a release it reads as free, it would wait JAVA_LEASE from
            // here
            Thread.sleep(Fleet.RETRY.multipliedBy(2).toMillis());
            assertThat(startedAt.get()).as("kubernetes-client/java started while Leasehold led").isZero();

            ours.stop();
            long released = System.nanoTime();
            await().atMost(JAVA_LEASE.minusSeconds(5)).until(() -> startedAt.get() != 0);

            assertThat(startedAt.get()).isGreaterThan(ours.stoppedAt());
            assertThat(Duration.ofNanos(startedAt.get() - released)).isLessThan(JAVA_LEASE.minusSeconds(5));
            assertThat(leadersSeen).contains("java-1");
        } finally {
            theirs.close();
            runner.join(10_000);
        }
    }

    /** The record as kubernetes-client/java's lock of the same kind read it while Leasehold led, and once released. */
    protected record AsTheyRead(LeaderElectionRecord leading, LeaderElectionRecord released) {
    }

    /** A Leasehold leader on the object leads, then closes (and releases); kubernetes-client/java reads both. */
    protected AsTheyRead leadThenRelease() throws Exception {
        Fleet.Leasehold ours = fleet.leasehold(ourLock("leasehold-2"));
        await().atMost(Duration.ofSeconds(10)).until(ours::leading);
        Lock reader = theirLock("java-reader", apiClient());
        LeaderElectionRecord leading = reader.get();
        ours.stop();
        return new AsTheyRead(leading, reader.get());
    }

    private ApiClient apiClient() {
        return new ClientBuilder().setBasePath(client.getMasterUrl().toString().replaceAll("/$", "")).build();
    }
}
