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
     * The finest resolution at which this lock keeps a record's acquire and renew times: a record read back
     * carries the times it was written with, truncated to this. Kubernetes' {@code MicroTime} (the Lease lock)
     * keeps microseconds; client-go's annotation record keeps whole seconds.
     *
     * <p>The elector uses it to recognise its own acquisition whose answer was lost (a timeout, a connection reset
     * after the request went out, a 5xx after the write): when the record it reads back is exactly the one it sent
     * (holder, term, and acquire and renew times at this precision), it leads at once on it. Only a precision of
     * one microsecond or finer tells two attempts apart well enough for that; with a coarser one (the default, one
     * second, safe for a lock that does not say) such a record is waited out like any other holder's, because a
     * second process with the same identity may have written an identical one in the same second.
     */
    default java.time.Duration timePrecision() {
        return java.time.Duration.ofSeconds(1);
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
