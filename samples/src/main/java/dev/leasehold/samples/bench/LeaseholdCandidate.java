package dev.leasehold.samples.bench;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.lease.LeaseLock;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A Leasehold elector on a {@link LeaseLock}, with the shared scheduler and callback pool, and a watch of its own or
 * the namespace's shared one.
 */
final class LeaseholdCandidate implements Candidate {

    private final String identity;
    private final LeaderElector elector;

    LeaseholdCandidate(KubernetesClient client, String lease, String identity, Timing timing, boolean release,
            ElectionLog log, boolean sharedWatch) {
        this.identity = identity;
        LeaseLock lock = LeaseLock.builder().client(client).namespace("default").name(lease).identity(identity)
                .sharedWatch(sharedWatch).build();
        this.elector = LeaderElector.builder()
                .lock(lock)
                .leaseDuration(timing.leaseDuration())
                .renewDeadline(timing.renewDeadline())
                .retryPeriod(timing.retryPeriod())
                .releaseOnClose(release)
                .onStartedLeading(leadership -> log.started(identity))
                .onStoppedLeading(() -> log.stopped(identity))
                .onNewLeader(leader -> log.newLeader(identity, leader))
                .build();
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public void start() {
        elector.start();
    }

    @Override
    public void stop() {
        elector.close(); // returns after the stopped-leading callback and the release (if any)
    }

    @Override
    public void close() {
        elector.close();
    }
}
