package dev.leasehold.core.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two locks held as one, to move a fleet from one kind of lock object to another without two leaders during
 * the rollout (client-go's {@code ConfigMapsLeases} and {@code EndpointsLeases} locks): the old lock is the
 * primary, the new one the secondary.
 *
 * <p>A rollout goes in three steps: (1) old electors use the primary alone; (2) electors are replaced, one by
 * one, by electors on this multi-lock; (3) once none uses the primary alone, electors are replaced by electors
 * on the secondary alone. In step 2 every candidate writes the primary first with compare-and-swap, so the
 * primary decides; in step 3 every candidate writes the secondary, so the secondary decides. Begin step 3 only
 * once a multi-lock elector has led (acquired) in step 2: its write carries the higher term count of the two
 * objects to the secondary, so terms keep rising across the move; an elector on the secondary alone started
 * before that would count terms from the secondary's own (lower) count.
 *
 * <ul>
 *   <li>{@link #get()} reads both. When both name the same holder, the primary's record is returned; when they
 *       disagree (someone holds only one of them), the holder is {@value #UNKNOWN_HOLDER}, so that the
 *       elector waits a full lease duration after the last change it saw on either object. When only one
 *       exists, its record is returned. The transition count is the higher of the two, so that a term issued on
 *       either object is never issued again; while the holders disagree, the lease is the longer of the two (one
 *       side may be a release, which declares the shortest lease). The version combines both objects' versions.</li>
 *   <li>{@link #update(LockSnapshot, LeaderElectionRecord)} writes the primary, then the secondary, each as a
 *       compare-and-swap against its own version (creating one that did not exist); any conflict fails the
 *       whole update, which the elector then re-reads.</li>
 *   <li>{@link #watch(LockListener)} watches both when both can; a change to either is delivered as a fresh
 *       combined read.</li>
 * </ul>
 * The multi-lock takes ownership of both locks: {@link #close()} closes them.
 */
public final class MultiLock implements ResourceLock {

    /** The holder reported while the two objects name different holders (client-go's value). */
    public static final String UNKNOWN_HOLDER = "leaderelection.k8s.io/unknown";

    private final ResourceLock primary;
    private final ResourceLock secondary;

    private MultiLock(ResourceLock primary, ResourceLock secondary) {
        this.primary = primary;
        this.secondary = secondary;
    }

    /**
     * A multi-lock on {@code primary} (the lock the fleet uses now) and {@code secondary} (the one it moves to).
     *
     * @throws IllegalArgumentException when either is missing, they are the same lock, or their identities
     *     differ
     */
    public static MultiLock of(ResourceLock primary, ResourceLock secondary) {
        if (primary == null || secondary == null) {
            throw new IllegalArgumentException("primary and secondary must both be set, were " + primary + " and "
                    + secondary);
        }
        if (primary == secondary) {
            throw new IllegalArgumentException("primary and secondary must be two locks, both were "
                    + primary.describe());
        }
        if (!Objects.equals(primary.identity(), secondary.identity())) {
            throw new IllegalArgumentException("primary and secondary must have the same identity, were \""
                    + primary.identity() + "\" and \"" + secondary.identity() + "\"");
        }
        return new MultiLock(primary, secondary);
    }

    @Override
    public String identity() {
        return primary.identity();
    }

    @Override
    public String describe() {
        return "MultiLock(" + primary.describe() + " + " + secondary.describe() + ")";
    }

    /** The longer of the two locks' call timeouts: a call of the multi-lock is a call of each. */
    @Override
    public Optional<Duration> callTimeout() {
        Optional<Duration> p = primary.callTimeout();
        Optional<Duration> s = secondary.callTimeout();
        if (p.isEmpty() || s.isEmpty()) {
            return p.isEmpty() ? s : p;
        }
        return Optional.of(p.get().compareTo(s.get()) >= 0 ? p.get() : s.get());
    }

    @Override
    public Duration durationGranularity() {
        Duration p = primary.durationGranularity();
        Duration s = secondary.durationGranularity();
        return p.compareTo(s) >= 0 ? p : s;
    }

    /**
     * One second at the finest, whatever the two locks keep: a combined record whose holders agree carries the
     * primary's times, so it can look exactly like this candidate's acquisition while the secondary holds a
     * twin's (a second process with the same identity, on the secondary alone). An acquisition through a
     * multi-lock whose answer was lost is therefore waited out, as on a lock keeping whole seconds.
     */
    @Override
    public Duration timePrecision() {
        Duration coarsest = Duration.ofSeconds(1);
        for (Duration d : new Duration[] {primary.timePrecision(), secondary.timePrecision()}) {
            coarsest = d != null && d.compareTo(coarsest) > 0 ? d : coarsest;
        }
        return coarsest;
    }

    @Override
    public CompletableFuture<Optional<LockSnapshot>> get() {
        return primary.get().thenCombine(secondary.get(), this::combine);
    }

    @Override
    public CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
        return primary.create(record).thenCompose(p -> secondary.create(record)
                .thenApply(s -> combine(Optional.of(p), Optional.of(s)).orElseThrow()));
    }

    @Override
    public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
        String[] versions;
        try {
            versions = CombinedVersion.split(expected.version());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new LockConflictException(describe() + ": version "
                    + expected.version() + " was not read from this multi-lock", e));
        }
        return write(primary, versions[0], record).thenCompose(p -> write(secondary, versions[1], record)
                .thenApply(s -> combine(Optional.of(p), Optional.of(s)).orElseThrow()));
    }

    private static CompletableFuture<LockSnapshot> write(ResourceLock lock, String version,
            LeaderElectionRecord record) {
        return version.isEmpty() ? lock.create(record) : lock.update(LockSnapshot.empty(version), record);
    }

    private Optional<LockSnapshot> combine(Optional<LockSnapshot> p, Optional<LockSnapshot> s) {
        if (p.isEmpty() && s.isEmpty()) {
            return Optional.empty();
        }
        String version = CombinedVersion.join(p.map(LockSnapshot::version).orElse(""),
                s.map(LockSnapshot::version).orElse(""));
        Optional<String> unreadable = p.flatMap(LockSnapshot::unreadableReason)
                .or(() -> s.flatMap(LockSnapshot::unreadableReason));
        if (unreadable.isPresent()) {
            return Optional.of(LockSnapshot.unreadable(version, unreadable.get()));
        }
        Optional<LeaderElectionRecord> pr = p.flatMap(LockSnapshot::record);
        Optional<LeaderElectionRecord> sr = s.flatMap(LockSnapshot::record);
        if (pr.isEmpty() && sr.isEmpty()) {
            return Optional.of(LockSnapshot.empty(version));
        }
        if (pr.isEmpty() || sr.isEmpty()) {
            return Optional.of(LockSnapshot.of(pr.or(() -> sr).orElseThrow(), version));
        }
        LeaderElectionRecord p0 = pr.get();
        LeaderElectionRecord record = p0.holderIdentity().equals(sr.get().holderIdentity())
                ? p0 : p0.withHolder(UNKNOWN_HOLDER);
        // the higher of the two counts, so that no term already issued on either object is issued again; while
        // the holders disagree, the longer of the two leases (one side may be a release, declaring one second)
        LeaderElectionRecord s0 = sr.get();
        long transitions = Math.max(p0.leaderTransitions(), s0.leaderTransitions());
        Duration lease = record == p0 || p0.leaseDuration().compareTo(s0.leaseDuration()) >= 0
                ? p0.leaseDuration() : s0.leaseDuration();
        record = new LeaderElectionRecord(record.holderIdentity(), lease, record.acquireTime(),
                record.renewTime(), transitions, record.preferredHolder());
        return Optional.of(LockSnapshot.of(record, version));
    }

    @Override
    public Optional<AutoCloseable> watch(LockListener listener) {
        Relay relay = new Relay(listener);
        Optional<AutoCloseable> p = primary.watch(relay.side(0));
        if (p.isEmpty()) {
            return Optional.empty();
        }
        Optional<AutoCloseable> s = secondary.watch(relay.side(1));
        if (s.isEmpty()) {
            closeQuietly(p.get());
            return Optional.empty();
        }
        return Optional.of(() -> {
            relay.closed.set(true);
            closeQuietly(p.get());
            closeQuietly(s.get());
        });
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // a watch handle that fails to close has nothing left to tell us
        }
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            secondary.close();
        }
    }

    /** Merges the notifications of the two watches; a change to either becomes one combined read. */
    private final class Relay {
        private final LockListener listener;
        private final boolean[] up = new boolean[2];
        private final AtomicBoolean closed = new AtomicBoolean();
        /** Reads requested: a read in flight picks up later requests before it finishes. */
        private final AtomicInteger pending = new AtomicInteger();

        Relay(LockListener listener) {
            this.listener = listener;
        }

        LockListener side(int index) {
            return new LockListener() {
                @Override
                public void watchUp() {
                    boolean bothUp;
                    synchronized (up) {
                        up[index] = true;
                        bothUp = up[0] && up[1];
                    }
                    if (bothUp && !closed.get()) {
                        listener.watchUp();
                    }
                }

                @Override
                public void changed(LockSnapshot snapshot) {
                    refresh();
                }

                @Override
                public void deleted() {
                    refresh();
                }

                @Override
                public void watchDown(Throwable cause) {
                    synchronized (up) {
                        up[index] = false;
                    }
                    if (!closed.get()) {
                        listener.watchDown(cause);
                    }
                }
            };
        }

        private void refresh() {
            if (pending.getAndIncrement() == 0) {
                read();
            }
        }

        private void read() {
            int requested = pending.get();
            get().whenComplete((snapshot, failure) -> {
                if (failure == null && !closed.get()) {
                    if (snapshot.isPresent()) {
                        listener.changed(snapshot.get());
                    } else {
                        listener.deleted();
                    }
                }
                if (pending.addAndGet(-requested) > 0) {
                    read();
                }
            });
        }
    }

    /** The version of a multi-lock snapshot: both versions, length-prefixed, empty for a missing object. */
    static final class CombinedVersion {
        private CombinedVersion() {
        }

        static String join(String primaryVersion, String secondaryVersion) {
            return primaryVersion.length() + ":" + primaryVersion + secondaryVersion;
        }

        static String[] split(String version) {
            int colon = version.indexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("no length prefix in " + version);
            }
            int length;
            try {
                length = Integer.parseInt(version.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad length prefix in " + version, e);
            }
            if (length < 0 || colon + 1 + length > version.length()) {
                throw new IllegalArgumentException("length prefix out of range in " + version);
            }
            return new String[] {version.substring(colon + 1, colon + 1 + length),
                version.substring(colon + 1 + length)};
        }
    }
}
