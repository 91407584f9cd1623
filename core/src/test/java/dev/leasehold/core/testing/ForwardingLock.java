package dev.leasehold.core.testing;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A lock that forwards everything to another; tests override the one method they want to change. */
public class ForwardingLock implements ResourceLock {

    private final ResourceLock inner;

    public ForwardingLock(ResourceLock inner) {
        this.inner = inner;
    }

    @Override
    public String identity() {
        return inner.identity();
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public java.util.Optional<Duration> callTimeout() {
        return inner.callTimeout();
    }

    @Override
    public Duration durationGranularity() {
        return inner.durationGranularity();
    }

    @Override
    public Duration timePrecision() {
        return inner.timePrecision();
    }

    @Override
    public CompletableFuture<Optional<LockSnapshot>> get() {
        return inner.get();
    }

    @Override
    public CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
        return inner.create(record);
    }

    @Override
    public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
        return inner.update(expected, record);
    }

    @Override
    public Optional<AutoCloseable> watch(LockListener listener) {
        return inner.watch(listener);
    }

    @Override
    public void close() {
        inner.close();
    }

    /** The same lock without change notifications, so the elector has to poll. */
    public static ResourceLock pollingOnly(ResourceLock inner) {
        return new ForwardingLock(inner) {
            @Override
            public Optional<AutoCloseable> watch(LockListener listener) {
                return Optional.empty();
            }
        };
    }

    /**
     * The same lock keeping acquire and renew times only to {@code unit} and saying so, as Kubernetes keeps
     * {@code MicroTime} (a Lease) to microseconds and client-go's annotation record to whole seconds.
     */
    public static ResourceLock keepingTimesTo(ResourceLock inner, java.time.temporal.ChronoUnit unit) {
        return new ForwardingLock(inner) {
            @Override
            public Duration timePrecision() {
                return unit.getDuration();
            }

            @Override
            public CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
                return super.create(truncated(record, unit));
            }

            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
                return super.update(expected, truncated(record, unit));
            }
        };
    }

    private static LeaderElectionRecord truncated(LeaderElectionRecord r, java.time.temporal.ChronoUnit unit) {
        return new LeaderElectionRecord(r.holderIdentity(), r.leaseDuration(),
                r.acquireTime().map(t -> t.truncatedTo(unit)), r.renewTime().map(t -> t.truncatedTo(unit)),
                r.leaderTransitions(), r.preferredHolder());
    }

    /** The same lock storing whole seconds only, as Kubernetes does. */
    public static ResourceLock wholeSeconds(ResourceLock inner) {
        return new ForwardingLock(inner) {
            @Override
            public Duration durationGranularity() {
                return Duration.ofSeconds(1);
            }
        };
    }
}
