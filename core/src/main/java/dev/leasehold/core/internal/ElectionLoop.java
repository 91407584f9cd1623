package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionConfig;
import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectionScheduler.Cancellable;
import dev.leasehold.core.ElectorState;
import dev.leasehold.core.Leadership;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.StateChange;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The elector's state machine. Every step runs under one mutex; effects on user code (callbacks, listeners)
 * are collected while it is held and handed to the callback executor after it is released.
 *
 * <p>At most one lock call is in flight. Its result is applied only if it is still the current call
 * ({@link Call#seq}); a result that arrives after the call was abandoned (timeout, step-down, close) is dropped,
 * and the compare-and-swap on the next call settles what really happened.
 */
public final class ElectionLoop implements LockListener {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private enum Kind { READ, CREATE, ACQUIRE, RENEW, RELEASE }

    private record Call(Kind kind, long seq, long startNanos, Cancellable timeout) { }

    private final ElectionConfig config;
    private final ResourceLock lock;
    private final ElectionScheduler clock;
    private final SerialExecutor callbacks;
    private final Delays delays;
    private final String identity;
    private final String name;
    private final Object mutex = new Object();
    private final List<Runnable> outbox = new ArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    // all fields below are guarded by mutex; the volatile ones are also read without it
    private volatile ElectorState state = ElectorState.NEW;
    private volatile Term term;
    private volatile String observedHolder = "";
    private boolean haveRead;
    private LockSnapshot known;
    private long observedAtNanos;
    private String reportedLeader = "";
    private String unreadableVersion = "";
    private boolean verify;
    private boolean watchUp;
    private AutoCloseable watch;
    private Call call;
    private long seq;
    private long nextCallAtNanos;
    private long nextReadAtNanos;
    private long renewDueNanos;
    private int failures;
    private boolean closing;
    private int releaseAttempts;
    private boolean recheck;
    private long writtenTerm = -1;
    private Cancellable stepTimer;
    private Cancellable deadlineTimer;

    public ElectionLoop(ElectionConfig config) {
        this.config = config;
        this.lock = config.lock();
        this.clock = config.scheduler();
        this.identity = config.identity();
        this.name = lock.describe() + " [" + identity + "]";
        this.callbacks = new SerialExecutor(config.callbackExecutor(), name);
        this.delays = new Delays(config.retryPeriod(), config.jitter(), config.random());
    }

    // ---- public surface -------------------------------------------------------------------------------------

    public ElectorState state() {
        return state;
    }

    public Optional<Leadership> leadership() {
        Term current = term;
        return state == ElectorState.LEADING && current != null && current.isValid()
                ? Optional.of(current) : Optional.empty();
    }

    public Optional<String> currentLeader() {
        String holder = observedHolder;
        return holder.isEmpty() ? Optional.empty() : Optional.of(holder);
    }

    /** Nanoseconds past the renew deadline while still LEADING (0 when not overdue): a stuck timer. */
    public long overdueNanos() {
        Term current = term;
        if (state != ElectorState.LEADING || current == null) {
            return 0;
        }
        return Math.max(0, clock.nanoTime() - current.validUntilNanos());
    }

    public void start() {
        locked(() -> {
            if (state != ElectorState.NEW) {
                throw new IllegalStateException(name + ": start() called in state " + state
                        + "; an elector starts once");
            }
            nextCallAtNanos = clock.nanoTime();
            transition(ElectorState.FOLLOWING, 0, "started");
            try {
                watch = lock.watch(this).orElse(null);
            } catch (RuntimeException e) {
                log.warn("{}: could not watch the lock, polling instead", name, e);
            }
            step();
        });
    }

    public CompletableFuture<Void> closeAsync() {
        locked(this::beginClose);
        return closed;
    }

    // ---- lock notifications ---------------------------------------------------------------------------------

    @Override
    public void watchUp() {
        onScheduler(() -> {
            watchUp = true;
            haveRead = false;
            replan();
        });
    }

    @Override
    public void watchDown(Throwable cause) {
        onScheduler(() -> {
            if (watchUp) {
                log.debug("{}: watch lost, polling until it is back", name, cause);
            }
            watchUp = false;
            nextReadAtNanos = clock.nanoTime() + pollNanos();
            replan();
        });
    }

    @Override
    public void changed(LockSnapshot snapshot) {
        onScheduler(() -> {
            if (state == ElectorState.LEADING) {
                boolean ours = snapshot.record().map(r -> r.isHeldBy(identity)).orElse(false);
                if (!ours) {
                    verify = true; // may be a late event from before we acquired: check before giving up
                }
            } else {
                observe(Optional.of(snapshot));
            }
            replan();
        });
    }

    @Override
    public void deleted() {
        onScheduler(() -> {
            if (state == ElectorState.LEADING) {
                verify = true;
            } else {
                observe(Optional.empty());
            }
            replan();
        });
    }

    // ---- the loop -------------------------------------------------------------------------------------------

    private void replan() {
        if (call == null) {
            step();
        }
    }

    /** Decides the next lock call, or when to decide again. Runs under the mutex, never blocks. */
    private void step() {
        cancel(stepTimer);
        stepTimer = null;
        if (call != null || closing || state == ElectorState.STOPPED || state == ElectorState.NEW) {
            return;
        }
        long now = clock.nanoTime();
        if (now - nextCallAtNanos < 0) {
            wakeAt(nextCallAtNanos);
        } else if (state == ElectorState.LEADING) {
            lead(now);
        } else {
            follow(now);
        }
    }

    private void lead(long now) {
        if (verify) {
            verify = false;
            issue(Kind.READ);
        } else if (now - renewDueNanos >= 0) {
            issue(Kind.RENEW);
        } else {
            wakeAt(renewDueNanos);
        }
    }

    private void follow(long now) {
        if (!haveRead || (!watchUp && now - nextReadAtNanos >= 0)) {
            issue(Kind.READ);
            return;
        }
        if (known == null) {
            issue(Kind.CREATE);
            return;
        }
        Optional<LeaderElectionRecord> record = known.record();
        boolean free = record.map(r -> r.isReleased() || r.isHeldBy(identity)).orElse(!known.isUnreadable());
        long expiry = observedAtNanos + leaseOf(record).toNanos();
        if (free || now - expiry >= 0) {
            issue(Kind.ACQUIRE);
        } else if (watchUp) {
            wakeAt(expiry);
        } else {
            wakeAt(expiry - nextReadAtNanos < 0 ? expiry : nextReadAtNanos);
        }
    }

    private Duration leaseOf(Optional<LeaderElectionRecord> record) {
        return record.map(LeaderElectionRecord::leaseDuration)
                .filter(d -> !d.isZero())
                .orElse(config.leaseDuration());
    }

    private void issue(Kind kind) {
        long start = clock.nanoTime();
        long id = ++seq;
        Cancellable timeout = clock.schedule(() -> locked(() -> timedOut(id)), config.callTimeout());
        call = new Call(kind, id, start, timeout);
        CompletableFuture<?> future;
        try {
            future = switch (kind) {
                case READ -> lock.get();
                case CREATE -> lock.create(acquisitionRecord());
                case ACQUIRE -> lock.update(known, acquisitionRecord());
                case RENEW -> lock.update(known, renewalRecord());
                case RELEASE -> lock.update(known, releaseRecord());
            };
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        log.debug("{}: {} started", name, kind);
        future.whenComplete((result, error) -> onScheduler(() -> completed(id, result, error)));
    }

    private void timedOut(long id) {
        if (call != null && call.seq == id) {
            completed(id, null, new TimeoutException(
                    "no answer within callTimeout " + config.callTimeout()));
        }
    }

    @SuppressWarnings("unchecked")
    private void completed(long id, Object result, Throwable error) {
        if (call == null || call.seq != id) {
            return; // abandoned: timed out, stepped down or closed meanwhile
        }
        Call done = call;
        call = null;
        cancel(done.timeout);
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause == null) {
            failures = 0;
            nextCallAtNanos = clock.nanoTime();
            if (done.kind == Kind.READ) {
                read((Optional<LockSnapshot>) result);
            } else {
                wrote(done, (LockSnapshot) result);
            }
        } else if (cause instanceof LockConflictException) {
            log.debug("{}: {} conflicted: {}", name, done.kind, cause.getMessage());
            haveRead = false;
            verify = state == ElectorState.LEADING;
            recheck = closing && done.kind == Kind.RELEASE;
        } else {
            failed(done, cause);
        }
        if (closing) {
            continueClose();
        } else {
            step();
        }
    }

    private void read(Optional<LockSnapshot> snapshot) {
        haveRead = true;
        nextReadAtNanos = clock.nanoTime() + pollNanos();
        if (state != ElectorState.LEADING) {
            observe(snapshot);
        } else if (snapshot.flatMap(LockSnapshot::record).map(r -> r.isHeldBy(identity)).orElse(false)) {
            known = snapshot.get(); // still ours at a version we had not seen: renew against it at once
            renewDueNanos = clock.nanoTime();
        } else {
            observe(snapshot);
            String holder = holderOf(snapshot);
            stepDown(holder.isEmpty() ? "the lock names no holder" : "the lock now names " + holder);
        }
    }

    private void wrote(Call done, LockSnapshot snapshot) {
        known = snapshot;
        writtenTerm = snapshot.record().map(LeaderElectionRecord::leaderTransitions).orElse(-1L);
        observedAtNanos = clock.nanoTime();
        haveRead = true;
        if (done.kind == Kind.RELEASE) {
            observe(Optional.of(snapshot));
            return;
        }
        if (done.kind == Kind.RENEW) {
            Term current = term;
            current.extendTo(done.startNanos + config.renewDeadline().toNanos());
            renewDueNanos = done.startNanos + config.retryPeriod().toNanos();
            armDeadline(current);
            log.debug("{}: renewed term {}", name, current.term());
            return;
        }
        observe(Optional.of(snapshot));
        long validUntil = done.startNanos + config.renewDeadline().toNanos();
        if (closing || clock.nanoTime() - validUntil >= 0) {
            return; // holder now, but closing or too late to lead on this write: release or acquire again
        }
        long number = snapshot.record().map(LeaderElectionRecord::leaderTransitions).orElse(0L);
        Term acquired = new Term(identity, number, clock, validUntil);
        term = acquired;
        renewDueNanos = done.startNanos + config.retryPeriod().toNanos();
        transition(ElectorState.LEADING, number, "acquired");
        armDeadline(acquired);
        emit("started-leading", () -> config.onStartedLeading().accept(acquired));
    }

    private void failed(Call done, Throwable cause) {
        failures++;
        if (failures == 2) {
            log.warn("{}: lock calls keep failing ({} in a row), retrying with backoff: {}", name, failures,
                    cause.toString());
        } else {
            log.debug("{}: {} failed {} times in a row: {}", name, done.kind, failures, cause.toString());
        }
        nextCallAtNanos = clock.nanoTime() + backoffNanos();
    }

    private void armDeadline(Term current) {
        cancel(deadlineTimer);
        long delay = current.validUntilNanos() - clock.nanoTime();
        deadlineTimer = clock.schedule(() -> locked(() -> deadline(current)), Duration.ofNanos(Math.max(0, delay)));
    }

    private void deadline(Term expected) {
        if (state != ElectorState.LEADING || term != expected) {
            return;
        }
        if (clock.nanoTime() - expected.validUntilNanos() < 0) {
            armDeadline(expected); // woke early (a drifting timer): sleep again
            return;
        }
        abandonCall();
        stepDown("renew deadline passed");
        step();
    }

    private void stepDown(String reason) {
        Term ended = endTerm();
        nextCallAtNanos = clock.nanoTime() + (failures > 0 ? backoffNanos() : 0L);
        transition(ElectorState.FOLLOWING, ended.term(), reason);
    }

    private Term endTerm() {
        Term ended = term;
        ended.end();
        cancel(deadlineTimer);
        deadlineTimer = null;
        emit("stopped-leading", config.onStoppedLeading());
        emit("lost", ended::completeLost);
        return ended;
    }

    /** Notes what the lock holds now; a new version restarts the expiry clock. */
    private void observe(Optional<LockSnapshot> snapshot) {
        haveRead = true;
        LockSnapshot next = snapshot.orElse(null);
        String before = known == null ? null : known.version();
        String after = next == null ? null : next.version();
        if (before == null ? after != null : !before.equals(after)) {
            observedAtNanos = clock.nanoTime();
        }
        known = next;
        if (next != null && next.isUnreadable() && !next.version().equals(unreadableVersion)) {
            unreadableVersion = next.version();
            log.error("{}: the lock holds a record that cannot be read ({}); treating it as held by an unknown "
                    + "holder until a full lease duration passes without change", name,
                    next.unreadableReason().orElse("?"));
        }
        String holder = next == null ? "" : holderOf(snapshot);
        observedHolder = holder;
        if (!holder.isEmpty() && !holder.equals(reportedLeader) && (next == null || !next.isUnreadable())) {
            reportedLeader = holder;
            emit("new-leader", () -> config.onNewLeader().accept(holder));
        }
    }

    private static String holderOf(Optional<LockSnapshot> snapshot) {
        return snapshot.flatMap(LockSnapshot::record).map(LeaderElectionRecord::holderIdentity).orElse("");
    }

    // ---- records we write -----------------------------------------------------------------------------------

    private LeaderElectionRecord acquisitionRecord() {
        return Records.acquisition(known == null ? Optional.empty() : known.record(), identity,
                config.leaseDuration(), clock.wallTime());
    }

    private LeaderElectionRecord renewalRecord() {
        return Records.renewal(known.record().orElseThrow(), config.leaseDuration(), clock.wallTime());
    }

    private LeaderElectionRecord releaseRecord() {
        return Records.release(known.record().orElseThrow(), lock.durationGranularity(), clock.wallTime());
    }

    // ---- closing --------------------------------------------------------------------------------------------

    private void beginClose() {
        if (closing || state == ElectorState.STOPPED) {
            return;
        }
        closing = true;
        cancel(stepTimer);
        closeWatch();
        ElectorState before = state;
        if (before == ElectorState.LEADING) {
            abandonCall();
            Term ended = endTerm();
            transition(ElectorState.STOPPED, ended.term(), "closed");
            // release only once the stopped-leading callback has finished, so that the next leader can never
            // start while this one still works
            outbox.add(() -> callbacks.submit("release", () -> { })
                    .whenComplete((ignored, error) -> onScheduler(this::continueClose)));
            return;
        }
        transition(ElectorState.STOPPED, 0, "closed");
        if (call == null || !(call.kind == Kind.ACQUIRE || call.kind == Kind.CREATE)) {
            abandonCall();
            continueClose();
        } // else: an acquisition is in flight; its outcome decides whether we must release
    }

    private void continueClose() {
        if (closed.isDone() || call != null) {
            return;
        }
        // only a record carrying the term this incarnation wrote is ours to release: a restarted process with the
        // same identity may hold the lock by now
        boolean holding = known != null && known.record()
                .map(r -> r.isHeldBy(identity) && r.leaderTransitions() == writtenTerm).orElse(false);
        if (config.releaseOnClose() && releaseAttempts < 2) {
            if (recheck) {
                recheck = false;
                issue(Kind.READ);
                return;
            }
            if (holding) {
                releaseAttempts++;
                issue(Kind.RELEASE);
                return;
            }
        }
        if (holding && config.releaseOnClose()) {
            log.warn("{}: could not release the lock; followers take over once it expires", name);
        }
        outbox.add(() -> {
            try {
                lock.close();
            } catch (RuntimeException e) {
                log.warn("{}: closing the lock failed", name, e);
            } finally {
                closed.complete(null);
            }
        });
    }

    private void closeWatch() {
        if (watch != null) {
            AutoCloseable w = watch;
            watch = null;
            outbox.add(() -> {
                try {
                    w.close();
                } catch (Exception e) {
                    log.debug("{}: closing the watch failed", name, e);
                }
            });
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    private void transition(ElectorState to, long termNumber, String reason) {
        ElectorState from = state;
        state = to;
        if (to == ElectorState.LEADING || from == ElectorState.LEADING) {
            log.info("{}: {} -> {} (term {}, {})", name, from, to, termNumber, reason);
        } else {
            log.info("{}: {} -> {} ({})", name, from, to, reason);
        }
        config.listener().ifPresent(listener -> {
            StateChange change = new StateChange(identity, lock.describe(), from, to, termNumber, reason,
                    clock.wallTime(), cause(from, to, reason), java.time.Duration.ZERO);
            emit("listener", () -> listener.onTransition(change));
        });
    }

    // TODO(issue 7): pass the cause from each call site instead of deriving it from the reason
    private static StateChange.Cause cause(ElectorState from, ElectorState to, String reason) {
        if (to == ElectorState.STOPPED) {
            return StateChange.Cause.CLOSED;
        }
        if (to == ElectorState.LEADING) {
            return StateChange.Cause.ACQUIRED;
        }
        if (from == ElectorState.LEADING) {
            return reason.startsWith("renew deadline") ? StateChange.Cause.RENEW_DEADLINE : StateChange.Cause.LOST;
        }
        return StateChange.Cause.STARTED;
    }

    private void emit(String what, Runnable callback) {
        outbox.add(() -> callbacks.submit(what, callback));
    }

    private void abandonCall() {
        if (call != null) {
            cancel(call.timeout);
            call = null;
        }
    }

    private void wakeAt(long nanos) {
        cancel(stepTimer);
        stepTimer = clock.schedule(() -> locked(this::step), Duration.ofNanos(Math.max(0, nanos - clock.nanoTime())));
    }

    private long pollNanos() {
        return delays.pollNanos();
    }

    private long backoffNanos() {
        return delays.backoffNanos(failures);
    }

    private static void cancel(Cancellable cancellable) {
        if (cancellable != null) {
            cancellable.cancel();
        }
    }

    private void onScheduler(Runnable task) {
        clock.execute(() -> locked(() -> {
            if (!closed.isDone()) {
                task.run();
            }
        }));
    }

    private void locked(Runnable task) {
        List<Runnable> effects;
        synchronized (mutex) {
            try {
                task.run();
            } finally {
                effects = new ArrayList<>(outbox);
                outbox.clear();
            }
        }
        for (Runnable effect : effects) {
            effect.run();
        }
    }
}
