package dev.leasehold.core.spi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A lock object that candidates compete for: the service-provider interface for lock authors.
 *
 * <p>Four operations, each asynchronous so that the elector can keep its deadlines while a call hangs:
 * <ul>
 *   <li>{@link #get()} reads the current record and its opaque version, or nothing when the object does not
 *       exist (404);</li>
 *   <li>{@link #create(LeaderElectionRecord)} creates the object; an existing object is a
 *       {@link LockConflictException}, never an overwrite;</li>
 *   <li>{@link #update(LockSnapshot, LeaderElectionRecord)} is a compare-and-swap against the version of the
 *       given snapshot; a newer version on the server is a {@link LockConflictException};</li>
 *   <li>{@link #watch(LockListener)} optionally delivers changes so that followers act at once.</li>
 * </ul>
 * Futures fail with {@link LockConflictException} or {@link LockUnavailableException}; anything else is
 * treated as unavailable. Implementations bound the time of each call (including their client's own retries)
 * well below the elector's renew deadline; the elector additionally abandons calls that exceed its call timeout.
 *
 * <p>A lock owns the client resources it created and releases them in {@link #close()}.
 */
public interface ResourceLock extends AutoCloseable {

    /** The identity this candidate writes as holder; unique among the candidates of one lock. */
    String identity();

    /** A human description for logs, e.g. {@code Lease default/my-app}. */
    String describe();

    /**
     * The finest lease duration this lock can store. Kubernetes stores whole seconds, so its locks return one
     * second and the elector's builder rejects a lease duration that would be truncated.
     */
    default java.time.Duration durationGranularity() {
        return java.time.Duration.ofNanos(1);
    }

    /**
     * The longest one call of this lock may take, when the lock bounds its calls itself. The elector's builder
     * rejects a lock whose call timeout exceeds the elector's own: the elector would abandon such a call while
     * it keeps running. Empty (the default) when the lock has no bound of its own.
     */
    default Optional<java.time.Duration> callTimeout() {
        return Optional.empty();
    }

    CompletableFuture<Optional<LockSnapshot>> get();

    CompletableFuture<LockSnapshot> create(LeaderElectionRecord record);

    CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record);

    /**
     * Starts delivering change notifications to {@code listener}, if this lock can watch. Returns empty when it
     * cannot; the elector then polls every retry period.
     */
    default Optional<AutoCloseable> watch(LockListener listener) {
        return Optional.empty();
    }

    @Override
    default void close() {
    }
}
