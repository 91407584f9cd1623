package dev.leasehold.core;

import dev.leasehold.core.internal.ElectionLoop;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Competes for a {@link dev.leasehold.core.spi.ResourceLock} and tells you while you lead.
 *
 * <pre>{@code
 * try (LeaderElector elector = LeaderElector.builder()
 *         .lock(lock)
 *         .onStartedLeading(leadership -> startWork(leadership.term()))
 *         .onStoppedLeading(() -> stopWork())
 *         .build()) {
 *     elector.start();
 *     ...
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Started-leading fires only after the lock write that made this candidate holder succeeded. Every
 *       started-leading is followed by exactly one stopped-leading; stopped-leading never fires for a candidate
 *       that never led. Callbacks run one at a time, in the order the state machine produced them (even when
 *       {@link #close()} races an acquisition from another thread), on the callback executor, never on the
 *       scheduler. A started-leading may find its handle already invalid: the term ended before the callback
 *       ran, and its stopped-leading follows.</li>
 *   <li>A term is valid until the start of its last successful renew plus {@code renewDeadline}, on this
 *       process's monotonic clock. The leader steps down when that instant passes, even while a call hangs.</li>
 *   <li>A follower takes over only once {@code leaseDuration} has passed, on its own monotonic clock, since it
 *       last saw the record change; remote timestamps are never compared with local clocks. With
 *       {@code renewDeadline × (1 + drift) < leaseDuration × (1 − drift)}, two valid terms never overlap, whatever
 *       the wall-clock offset between machines. Deleting, emptying or restoring the lock object does not shorten
 *       that wait for a follower that saw the holder.</li>
 *   <li>Every acquisition writes a term above any this candidate has seen on the lock; {@link Leadership#term()}
 *       is that count, a fencing token for downstream systems. A record naming this identity counts as this
 *       elector's only with the term it won, so a second process with the same identity cannot lead with it.</li>
 *   <li>After losing leadership the elector follows and competes again; it need not be rebuilt. {@link #close()}
 *       is final and idempotent. Closing a leader keeps renewing the lock until its stopped-leading callback
 *       returns (at most {@code closeDrainTimeout}, never past the renew deadline), then releases it, so the next
 *       leader cannot start while this one still works.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>Safety rests on clock <em>rate</em>: a process paused (GC, SIGSTOP) past its deadline may still be
 *       running leader-only work when it wakes; check {@link Leadership#isValid()} and use the term as a fencing
 *       token where that matters.</li>
 *   <li>A candidate that never saw the old record cannot be protected: a process that starts fresh (or was cut
 *       off throughout) after the lock object was deleted or restored from a backup, while an old leader that is
 *       itself cut off still holds a valid term, may lead at once, and with a term the old leader had. Where
 *       that can happen, build with {@code initialWait(true)} (wait one lease before the first acquisition) and
 *       fence downstream writes with the term.</li>
 *   <li>A started-leading that blocks on {@link Leadership#lost()} needs a callback executor with a thread to
 *       spare (the default pool has).</li>
 * </ul>
 */
public final class LeaderElector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final ElectionConfig config;
    private final ElectionLoop loop;
    private volatile Thread shutdownHook;

    LeaderElector(ElectionConfig config) {
        this.config = config;
        this.loop = new ElectionLoop(config);
    }

    public static LeaderElectorBuilder builder() {
        return new LeaderElectorBuilder();
    }

    /** Starts competing. Throws {@link IllegalStateException} when called twice or after close. */
    public void start() {
        loop.start();
        if (config.closeOnShutdown()) {
            Thread hook = new Thread(this::close, "leasehold-shutdown-" + identity());
            shutdownHook = hook;
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /**
     * Gives up leadership and keeps competing: stopped-leading runs, the lock stays renewed until it returns, then
     * it is released; this candidate stays away for one lease duration, so another takes over. Returns false when
     * this elector does not lead.
     */
    public boolean resign() {
        return resign(config.leaseDuration());
    }

    /** {@link #resign()}, staying away for {@code backoff} (zero: compete again at once). */
    public boolean resign(Duration backoff) {
        return loop.resign(requireBackoff(backoff), Optional.empty());
    }

    /**
     * {@link #resign(Duration)}, naming {@code successor} in the released record's preferred holder: candidates
     * other than the successor wait two retry periods before taking the lock, so a live successor gets it. The
     * Kubernetes API server drops a Lease's {@code spec.preferredHolder} unless the CoordinatedLeaderElection
     * feature gate is on; annotation locks keep it.
     */
    public boolean resign(Duration backoff, String successor) {
        if (successor == null || successor.isBlank()) {
            throw new IllegalArgumentException("successor = \"" + successor + "\" must not be blank");
        }
        return loop.resign(requireBackoff(backoff), Optional.of(successor));
    }

    private static Duration requireBackoff(Duration backoff) {
        if (backoff == null || backoff.isNegative()) {
            throw new IllegalArgumentException("backoff = " + backoff + " must be zero or positive");
        }
        return backoff;
    }

    /**
     * Completes with the next term this elector wins, or at once with the current one while it leads; fails with
     * {@link IllegalStateException} if the elector is closed first. Completed outside the callback queue.
     */
    public CompletableFuture<Leadership> nextLeadership() {
        return loop.nextLeadership();
    }

    /**
     * Waits up to {@code timeout} for this elector to lead; returns the valid term, or empty when the time ran out
     * (or the elector was closed). Never call it from one of this elector's callbacks.
     */
    public Optional<Leadership> awaitLeadership(Duration timeout) throws InterruptedException {
        try {
            Leadership next = loop.nextLeadership().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return next.isValid() ? Optional.of(next) : Optional.empty();
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        }
    }

    /** The shutdown hook registered by {@code closeOnShutdown(true)}, for tests. */
    Optional<Thread> shutdownHook() {
        return Optional.ofNullable(shutdownHook);
    }

    public ElectionConfig config() {
        return config;
    }

    public String identity() {
        return config.identity();
    }

    public ElectorState state() {
        return loop.state();
    }

    /** True while this candidate holds a valid term. */
    public boolean isLeader() {
        return loop.leadership().isPresent();
    }

    /** The current term, while it is valid. */
    public Optional<Leadership> leadership() {
        return loop.leadership();
    }

    /** The holder this candidate last observed (itself included), empty when none is known. */
    public Optional<String> currentLeader() {
        return loop.currentLeader();
    }

    /**
     * Unhealthy when this elector believes it leads although its renew deadline passed more than
     * {@code tolerance} ago: its timer is stuck, and a liveness probe should restart the process.
     */
    public Health health(Duration tolerance) {
        long overdue = loop.overdueNanos();
        if (overdue > tolerance.toNanos()) {
            return new Health(false, "leading " + Duration.ofNanos(overdue) + " past the renew deadline");
        }
        return new Health(true, state().toString());
    }

    /** {@link #health(Duration)} with a tolerance of one retry period. */
    public Health health() {
        return health(config.retryPeriod());
    }

    /**
     * Stops competing; a leader steps down and (if so configured) releases. Completes when all is done, on the
     * callback executor after every callback of this elector, never on the scheduler.
     */
    public CompletableFuture<Void> closeAsync() {
        removeShutdownHook();
        return loop.closeAsync();
    }

    private void removeShutdownHook() {
        Thread hook = shutdownHook;
        if (hook != null && hook != Thread.currentThread()) {
            shutdownHook = null;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook runs or has run
            }
        }
    }

    /**
     * Stops, waiting at most {@code closeDrainTimeout + 2 × callTimeout} for the stopped-leading callback and the
     * release. Called from one of this elector's own callbacks it does not wait (the close can only finish after
     * that callback returns): it begins closing and returns at once.
     */
    @Override
    public void close() {
        close(config.closeDrainTimeout().plus(config.callTimeout().multipliedBy(2)));
    }

    /**
     * Stops, waiting at most {@code limit} for the stopped-leading callback and the release (closing goes on in the
     * background after that). From one of this elector's own callbacks it does not wait.
     */
    public void close(Duration limit) {
        if (limit == null || limit.isNegative()) {
            throw new IllegalArgumentException("limit = " + limit + " must be zero or positive");
        }
        if (loop.isCallbackThread()) {
            closeAsync();
            log.info("{}: close() called from a callback: closing begins now and finishes after the callback "
                    + "returns", identity());
            return;
        }
        try {
            closeAsync().get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("{}: close did not finish within {} (stopped-leading still running, or the lock not answering); "
                    + "closing goes on in the background", identity(), limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("{}: close failed", identity(), e.getCause());
        }
    }

    @Override
    public String toString() {
        return "LeaderElector[" + identity() + " on " + config.lock().describe() + ", " + state() + "]";
    }
}
