package dev.leasehold.postgres.agent;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.LockUnavailableException;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A lock that lets its elector acquire only while a gate says so, and passes everything else through: reads,
 * watches, renews and releases are never held back. A refused acquisition fails as unavailable, which the
 * elector counts as a failed call and retries with its backoff.
 *
 * <p>The gate is decided on the Lease as the agent's view saw it (holder, published position, synchronous set,
 * member list). A gate that names the Lease version it was decided on lets an acquisition through only when the
 * write replaces exactly that version: the elector reads the Lease itself and may act on a newer one (after a cut
 * from the API server, say, a release it may take at once) before the view has caught up, and a decision on the
 * older annotations (a synchronous set that no longer names this member) must not let it through. The next
 * decision, on the view that has caught up, opens it again.
 *
 * <p>This is the agent's acquisition gate, built on the public lock SPI because the elector has no hook for it.
 * A core hook ({@code LeaderElectorBuilder.acquireGate(BooleanSupplier)} plus a way to poke the elector when the
 * gate opens) would be cleaner: the elector would not back off after refusals and would try at once when the
 * gate opens.
 */
final class GatedLock implements ResourceLock {

    /**
     * One decision of the gate, read at once.
     *
     * @param refusal why an acquisition is refused; empty when it may go ahead
     * @param leaseVersion the Lease version the decision was made on; empty to let through whatever the version
     */
    record Gate(Optional<String> refusal, Optional<String> leaseVersion) {
        static Gate of(Optional<String> refusal) {
            return new Gate(refusal, Optional.empty());
        }
    }

    private final ResourceLock delegate;
    private final Supplier<Gate> gate;
    private final java.util.function.BooleanSupplier cutOff;
    private final Supplier<Optional<String>> successorRefusal;
    private final AcquireBarrier barrier;

    /**
     * @param delegate the real lock
     * @param refusal why an acquisition is refused right now; empty when it may go ahead
     * @param cutOff true once the agent was abandoned (a simulated crash): every write then fails, the release
     *     included, and the Lease expires as after a real crash
     */
    GatedLock(ResourceLock delegate, Supplier<Optional<String>> refusal, java.util.function.BooleanSupplier cutOff) {
        this(delegate, () -> Gate.of(refusal.get()), cutOff, refusal, new AcquireBarrier(System::nanoTime));
    }

    /**
     * As above, with a gate of its own for taking a release that names this candidate as preferred holder (the
     * successor of a switchover): the agent's main gate is recomputed every loop tick and may still be closed at
     * the instant of the release, while the elector tries at once; this one is asked at that instant.
     *
     * @param gate the gate's latest decision and the Lease version it was made on
     * @param successorRefusal why this candidate may not take a release naming it; empty when it may
     * @param barrier the failsafe promises: no acquisition starts while one runs
     */
    GatedLock(ResourceLock delegate, Supplier<Gate> gate, java.util.function.BooleanSupplier cutOff,
            Supplier<Optional<String>> successorRefusal, AcquireBarrier barrier) {
        this.barrier = barrier;
        this.delegate = delegate;
        this.gate = gate;
        this.cutOff = cutOff;
        this.successorRefusal = successorRefusal;
    }

    @Override
    public String identity() {
        return delegate.identity();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public Duration durationGranularity() {
        return delegate.durationGranularity();
    }

    @Override
    public Duration timePrecision() {
        return delegate.timePrecision();
    }

    @Override
    public Optional<Duration> callTimeout() {
        return delegate.callTimeout();
    }

    @Override
    public CompletableFuture<Optional<LockSnapshot>> get() {
        return delegate.get();
    }

    @Override
    public CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
        // no version to match: the view may still show a deleted Lease, and a create lands only on no object
        Optional<String> no = refusalFor(Optional.empty(), Optional.empty(), record);
        return no.isPresent() ? refused(no.get())
                : through(acquiring(Optional.empty(), record), () -> delegate.create(record));
    }

    @Override
    public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
        Optional<String> no = refusalFor(expected.record(), Optional.of(expected.version()), record);
        return no.isPresent() ? refused(no.get())
                : through(acquiring(expected.record(), record), () -> delegate.update(expected, record));
    }

    /** An acquisition goes through the failsafe barrier (counted in flight until answered); other writes do not. */
    private CompletableFuture<LockSnapshot> through(boolean acquiring, Supplier<CompletableFuture<LockSnapshot>> w) {
        if (!acquiring) {
            return w.get();
        }
        if (!barrier.tryEnter()) {
            return refused("promised " + barrier.running().map(AcquireBarrier.Promise::primary).orElse("a primary")
                    + " (failsafe) not to take over while the promise runs");
        }
        CompletableFuture<LockSnapshot> f;
        try {
            f = w.get();
        } catch (RuntimeException e) {
            barrier.exit();
            throw e;
        }
        return f.whenComplete((r, e) -> barrier.exit());
    }

    private boolean acquiring(Optional<LeaderElectionRecord> before, LeaderElectionRecord after) {
        return after.isHeldBy(identity())
                && !before.map(r -> r.isHeldBy(identity()) && r.leaderTransitions() == after.leaderTransitions())
                        .orElse(false);
    }

    private Optional<String> refusalFor(Optional<LeaderElectionRecord> before, Optional<String> replacing,
            LeaderElectionRecord after) {
        if (cutOff.getAsBoolean()) {
            return Optional.of("the agent was abandoned");
        }
        if (!acquiring(before, after)) {
            return Optional.empty();
        }
        boolean namedSuccessor = before.map(r -> r.isReleased()
                && r.preferredHolder().equals(Optional.of(identity()))).orElse(false);
        if (namedSuccessor) {
            return successorRefusal.get();
        }
        Gate g = gate.get();
        if (g.refusal().isPresent()) {
            return g.refusal();
        }
        if (g.leaseVersion().isPresent() && replacing.isPresent() && !g.leaseVersion().equals(replacing)) {
            return Optional.of("the gate was decided on Lease version " + g.leaseVersion().get()
                    + " and this acquisition would replace version " + replacing.get()
                    + "; waiting for a decision on the Lease as it is now");
        }
        return Optional.empty();
    }

    private static <T> CompletableFuture<T> refused(String why) {
        return CompletableFuture.failedFuture(new LockUnavailableException("acquisition held back: " + why));
    }

    @Override
    public Optional<AutoCloseable> watch(LockListener listener) {
        return delegate.watch(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
