package dev.leasehold.samples.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * fabric8's own {@code LeaderElector} on its own {@code LeaseLock}, run with {@code start()} and stopped by
 * cancelling the future it returns, as fabric8 documents. With {@code releaseOnCancel} it releases on stop.
 */
final class Fabric8Candidate implements Candidate {

    private final String identity;
    private final ElectionLog log;
    private final Duration stopWait;
    private final LeaderElector elector;
    private CompletableFuture<?> running;

    Fabric8Candidate(KubernetesClient client, String lease, String identity, Timing timing, boolean release,
            ElectionLog log) {
        this.identity = identity;
        this.log = log;
        this.stopWait = timing.renewDeadline().plusSeconds(5);
        this.elector = client.leaderElector()
                .withConfig(new LeaderElectionConfigBuilder()
                        .withName(lease)
                        .withLock(new LeaseLock("default", lease, identity))
                        .withLeaseDuration(timing.leaseDuration())
                        .withRenewDeadline(timing.renewDeadline())
                        .withRetryPeriod(timing.retryPeriod())
                        .withReleaseOnCancel(release)
                        .withLeaderCallbacks(new LeaderCallbacks(
                                () -> log.started(identity),
                                () -> log.stopped(identity),
                                leader -> log.newLeader(identity, leader)))
                        .build())
                .build();
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public synchronized void start() {
        running = elector.start();
    }

    @Override
    public void stop() {
        CompletableFuture<?> future;
        synchronized (this) {
            future = running;
            running = null;
        }
        if (future == null) {
            return;
        }
        boolean wasLeading = log.isLeading(identity);
        future.cancel(true);
        if (wasLeading) {
            // fabric8 releases (if configured) and then calls onStopLeading; wait for that to be done
            log.awaitStopped(identity, stopWait);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
