package dev.leasehold.samples.interop;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.samples.bench.Timing;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Leasehold elector on a {@link LeaseLock}, releasing on close, that remembers when (epoch ms) it started and
 * stopped leading, its term, and the leaders it saw. Every start and stop is also reported to {@link Leaders}.
 */
final class LeaseholdMember implements AutoCloseable {

    private final String identity;
    private final LeaderElector elector;
    private final AtomicLong startedAt = new AtomicLong();
    private final AtomicLong stoppedAt = new AtomicLong();
    private final AtomicLong term = new AtomicLong();
    private final Set<String> leadersSeen = ConcurrentHashMap.newKeySet();

    LeaseholdMember(KubernetesClient client, String lease, String identity, Timing timing,
            Duration releaseTakeoverDelay, Leaders leaders) {
        this.identity = identity;
        LeaseLock lock = LeaseLock.builder().client(client).namespace("default").name(lease).identity(identity)
                .build();
        this.elector = LeaderElector.builder()
                .lock(lock)
                .leaseDuration(timing.leaseDuration())
                .renewDeadline(timing.renewDeadline())
                .retryPeriod(timing.retryPeriod())
                .releaseOnClose(true)
                .releaseTakeoverDelay(releaseTakeoverDelay)
                .onStartedLeading(leadership -> {
                    term.set(leadership.term());
                    startedAt.set(System.currentTimeMillis());
                    leaders.started(Leaders.Side.LEASEHOLD, identity);
                })
                .onStoppedLeading(() -> {
                    stoppedAt.set(System.currentTimeMillis());
                    leaders.stopped(Leaders.Side.LEASEHOLD, identity);
                })
                .onNewLeader(leadersSeen::add)
                .build();
        elector.start();
    }

    String identity() {
        return identity;
    }

    boolean hasSeen(String leader) {
        return leadersSeen.contains(leader);
    }

    boolean started() {
        return startedAt.get() != 0;
    }

    /** When it started leading (epoch ms), 0 if it has not. */
    long startedAt() {
        return startedAt.get();
    }

    /** When its stopped-leading callback ran (epoch ms), 0 if it has not. */
    long stoppedAt() {
        return stoppedAt.get();
    }

    /** The term of its leadership, 0 if it has not led. */
    long term() {
        return term.get();
    }

    /** Returns after the stopped-leading callback and the release, if it led. */
    @Override
    public void close() {
        elector.close();
    }
}
