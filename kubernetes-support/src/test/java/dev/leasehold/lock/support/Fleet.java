package dev.leasehold.lock.support;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Candidates of one election, Leasehold's and fabric8's, and a sampler that checks every 2 ms that at most one
 * of them leads. A Leasehold candidate counts as leading from the moment its elector says so until both the
 * elector and its stopped-leading callback say it no longer does; a fabric8 candidate from its start callback to
 * its stop callback (fabric8 has nothing else to ask).
 */
public final class Fleet implements AutoCloseable {

    /** Timings of every candidate: lease 4 s, renew deadline 3 s, retry 1 s. */
    public static final Duration LEASE = Duration.ofSeconds(4);
    public static final Duration RENEW_DEADLINE = Duration.ofSeconds(3);
    public static final Duration RETRY = Duration.ofSeconds(1);

    /** One candidate. */
    public abstract static class Member {
        private final String identity;
        final AtomicBoolean leadingByCallback = new AtomicBoolean();
        final List<String> leadersSeen = new CopyOnWriteArrayList<>();
        final AtomicLong startedAt = new AtomicLong();
        final AtomicLong stoppedAt = new AtomicLong();

        Member(String identity) {
            this.identity = identity;
        }

        public String identity() {
            return identity;
        }

        public abstract boolean leading();

        /** The holders this candidate was told about, in order. */
        public List<String> leadersSeen() {
            return List.copyOf(leadersSeen);
        }

        /** System.nanoTime() of its last start of leading, 0 if never. */
        public long startedAt() {
            return startedAt.get();
        }

        /** System.nanoTime() of its last stop of leading, 0 if never. */
        public long stoppedAt() {
            return stoppedAt.get();
        }

        /** Stops competing, releasing the lock if it leads. */
        public abstract void stop();

        void started() {
            startedAt.set(System.nanoTime());
            leadingByCallback.set(true);
        }

        void stopped() {
            stoppedAt.set(System.nanoTime());
            leadingByCallback.set(false);
        }

        @Override
        public String toString() {
            return identity;
        }
    }

    /** A Leasehold elector. */
    public static final class Leasehold extends Member {
        private LeaderElector elector;

        Leasehold(String identity) {
            super(identity);
        }

        public LeaderElector elector() {
            return elector;
        }

        @Override
        public boolean leading() {
            return elector.isLeader() || leadingByCallback.get();
        }

        @Override
        public void stop() {
            elector.close();
        }
    }

    /** fabric8's own elector. */
    public static final class Fabric8 extends Member {
        private CompletableFuture<?> run;

        Fabric8(String identity) {
            super(identity);
        }

        @Override
        public boolean leading() {
            return leadingByCallback.get();
        }

        /** Cancels its loop; with release-on-cancel it then writes its (null-holder) release. */
        @Override
        public void stop() {
            run.cancel(true);
        }
    }

    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong samples = new AtomicLong();
    private volatile boolean closed;
    private final Thread sampler;

    public Fleet() {
        sampler = new Thread(this::sample, "fleet-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        while (!closed) {
            List<Member> leading = members.stream().filter(Member::leading).toList();
            if (leading.size() > 1 && violations.size() < 20) {
                violations.add(System.nanoTime() + ": " + leading);
            }
            samples.incrementAndGet();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Starts a Leasehold elector on {@code lock} with the fleet's timings. */
    public Leasehold leasehold(ResourceLock lock) {
        Leasehold member = new Leasehold(lock.identity());
        member.elector = LeaderElector.builder().lock(lock).leaseDuration(LEASE).renewDeadline(RENEW_DEADLINE)
                .retryPeriod(RETRY)
                .onStartedLeading(l -> member.started())
                .onStoppedLeading(member::stopped)
                .onNewLeader(member.leadersSeen::add)
                .build();
        members.add(member);
        member.elector.start();
        return member;
    }

    /** Starts a fabric8 elector on {@code lock} with the fleet's timings, releasing on cancel. */
    public Fabric8 fabric8(KubernetesClient client, String identity, Lock lock) {
        Fabric8 member = new Fabric8(identity);
        member.run = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("fabric8-" + identity)
                .withLock(lock)
                .withLeaseDuration(LEASE).withRenewDeadline(RENEW_DEADLINE).withRetryPeriod(RETRY)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(member::started, member::stopped, member.leadersSeen::add))
                .build()).build().start();
        members.add(member);
        return member;
    }

    /** The one leading member, if exactly one leads. */
    public Optional<Member> leader() {
        List<Member> leading = members.stream().filter(Member::leading).toList();
        return leading.size() == 1 ? Optional.of(leading.get(0)) : Optional.empty();
    }

    /** Moments at which more than one member led, with who. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public long samples() {
        return samples.get();
    }

    @Override
    public void close() {
        members.forEach(m -> {
            try {
                m.stop();
            } catch (RuntimeException e) {
                // closing the fleet: nothing to do about one that fails to stop
            }
        });
        closed = true;
        try {
            sampler.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return members.stream().map(m -> m.identity() + (m.leading() ? "*" : "")).collect(Collectors.joining(","));
    }
}
