package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionConfig;
import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.internal.LockCalls.Call;
import dev.leasehold.core.internal.LockCalls.Kind;
import dev.leasehold.core.Leadership;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StateChange.Cause;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The elector's state machine: its state, the decision of the next lock call and what each answer means. Every
 * step runs under one mutex ({@link LoopRunner}); callbacks are queued in order while it is held and run on the
 * callback executor after it is released ({@link Outbox}).
 *
 * <p>At most one lock call is in flight ({@link LockCalls}). Its result is applied only if it is still the
 * current call; a result that arrives after the call was abandoned (timeout, step-down, close) is dropped, and
 * the compare-and-swap on the next call settles what really happened. Closing a leader keeps renewing
 * ("draining") until its stopped-leading callback returns, then releases ({@link StepDown}).
 *
 * <p>Its parts: what the lock holds and when it may be taken ({@link Observation}), when to read it and its
 * watch ({@link LockWatch}), when to call next ({@link Pacing}), the term and its hand-off to the user
 * ({@link Tenure}), and what is told to logs and listeners ({@link Reports}).
 */
public final class ElectionLoop {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final ElectionConfig config;
    private final ResourceLock lock;
    private final ElectionScheduler clock;
    private final Outbox outbox;
    private final Reports reports;
    private final String identity;
    private final String name;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final LoopRunner runner;
    private final Tenure tenure;
    private final LockCalls calls;
    private final Pacing pacing;
    private final LockWatch watch;
    private final Observation seen;
    private final StepDown leaving;

    // all fields below are guarded by the runner's mutex; the volatile ones are also read without it
    private volatile ElectorState state = ElectorState.NEW;
    private boolean verify;
    private long takeableSinceNanos;
    private boolean takeable;

    public ElectionLoop(ElectionConfig config) {
        this.config = config;
        this.lock = config.lock();
        this.clock = config.scheduler();
        this.identity = config.identity();
        this.name = lock.describe() + " [" + identity + "]";
        this.outbox = new Outbox(config.callbackExecutor(), name);
        this.reports = new Reports(config, outbox, name);
        this.runner = new LoopRunner(clock, outbox, name, closed::isDone, this::recover, this::step);
        this.tenure = new Tenure(identity, clock, config.renewDeadline(), outbox, config.onStoppedLeading(),
                expected -> runner.locked(() -> deadline(expected)));
        this.calls = new LockCalls(lock, clock, config.callTimeout(), reports, name, runner::onScheduler,
                runner::locked);
        Delays delays = new Delays(config.retryPeriod(), config.leaseDuration(), config.callTimeout(),
                config.jitter(), config.random());
        this.pacing = new Pacing(clock, delays, config.retryPeriod().toNanos(), name);
        this.watch = new LockWatch(this, runner, clock, delays, config.watchRecheck(), name);
        this.seen = new Observation(identity, name, config.leaseDuration(), config.releaseTakeoverDelay(),
                config.retryPeriod().multipliedBy(2), lock.timePrecision());
        this.leaving = new StepDown(this, runner, calls, seen, tenure, outbox, config, name);
    }

    // ---- public surface -------------------------------------------------------------------------------------

    public ElectorState state() {
        return state;
    }

    public Optional<Leadership> leadership() {
        Term current = tenure.current();
        return state == ElectorState.LEADING && current != null && current.isValid()
                ? Optional.of(current) : Optional.empty();
    }

    public Optional<String> currentLeader() {
        return reports.currentLeader();
    }

    /** Nanoseconds past the renew deadline while still LEADING (0 when not overdue): a stuck timer. */
    public long overdueNanos() {
        Term current = tenure.current();
        if (state != ElectorState.LEADING || current == null) {
            return 0;
        }
        return Math.max(0, clock.nanoTime() - current.validUntilNanos());
    }

    /** True on a thread that is running one of this elector's callbacks right now. */
    public boolean isCallbackThread() {
        return outbox.isCallbackThread();
    }

    public void start() {
        runner.checked(() -> {
            if (state != ElectorState.NEW) {
                throw new IllegalStateException(name + ": start() called in state " + state
                        + "; an elector starts once");
            }
        });
        runner.locked(() -> {
            if (state != ElectorState.NEW) {
                return; // closed meanwhile
            }
            pacing.backOff(0);
            if (config.initialWait()) {
                seen.holdUntil(pacing.nextCallAtNanos() + config.leaseDuration().toNanos());
            }
            transition(ElectorState.FOLLOWING, 0, "started", Cause.STARTED, Duration.ZERO);
            watch.open(lock);
            step();
        });
    }

    /**
     * Gives up the current term and keeps competing: stopped-leading runs, the lock is renewed until it returns
     * and then released (naming {@code successor} as preferred holder, if given), and this candidate does not try
     * to acquire again for {@code backoff}. Returns false when it does not lead.
     */
    public boolean resign(Duration backoff, Optional<String> successor) {
        boolean[] resigned = {false};
        runner.locked(() -> resigned[0] = leaving.resign(tenure.current(), backoff, successor, "resigned"));
        return resigned[0];
    }

    /**
     * Completes with the next term this elector wins (at once with the current one while it leads), on the
     * callback executor but outside the callback queue; fails with {@link IllegalStateException} when the elector
     * closes first.
     */
    public CompletableFuture<Leadership> nextLeadership() {
        CompletableFuture<Leadership> next = new CompletableFuture<>();
        runner.locked(() -> {
            Optional<Leadership> now = leadership();
            if (now.isPresent()) {
                next.complete(now.get());
            } else if (leaving.closing() || state == ElectorState.STOPPED) {
                next.completeExceptionally(new IllegalStateException(name + " is closed"));
            } else {
                tenure.awaitNext(next);
            }
        });
        return next;
    }

    /** Begins closing; the future completes on the callback executor once all is done. */
    public CompletableFuture<Void> closeAsync() {
        runner.locked(leaving::close);
        return closed;
    }

    // ---- lock notifications ---------------------------------------------------------------------------------

    /** A watch event: the lock now holds {@code snapshot} (empty: the object was deleted). */
    void notified(Optional<LockSnapshot> snapshot) {
        if (state == ElectorState.LEADING || leaving.draining()) {
            if (!isOurCurrentTerm(snapshot.flatMap(LockSnapshot::record))) {
                verify = true; // may be a late event from before we acquired: check before giving up
            }
        } else {
            watch.heard();
            observe(snapshot);
        }
        replan();
    }

    // ---- the loop -------------------------------------------------------------------------------------------

    void replan() {
        if (!calls.busy()) {
            step();
        }
    }

    /** Decides the next lock call, or when to decide again. Runs under the mutex, never blocks. */
    void step() {
        runner.cancelWakeUp();
        boolean draining = leaving.draining();
        if (calls.busy() || state == ElectorState.NEW || (leaving.closing() && !draining)
                || (state == ElectorState.STOPPED && !draining)) {
            return;
        }
        long now = clock.nanoTime();
        if (now - pacing.nextCallAtNanos() < 0) {
            runner.wakeAt(pacing.nextCallAtNanos());
        } else if (state == ElectorState.LEADING || draining) {
            lead(now);
        } else {
            follow(now);
        }
    }

    private void lead(long now) {
        if (verify) {
            verify = false;
            issue(Kind.READ);
        } else if (now - pacing.renewDueNanos() >= 0) {
            issue(Kind.RENEW);
        } else {
            runner.wakeAt(pacing.renewDueNanos());
        }
    }

    private void follow(long now) {
        Attempt landed = seen.landedAttempt();
        if (landed != null && now - (landed.sentAtNanos() + config.renewDeadline().toNanos()) < 0) {
            seen.attemptWon(landed.term()); // its answer was lost, but the lock holds exactly what it wrote
            seen.ownVersion(seen.known().version());
            begin(landed.sentAtNanos(), landed.term(), "acquired; the answer was lost, the write landed");
            lead(now);
            return;
        }
        if (watch.readDue(now)) {
            issue(Kind.READ); // polling, or the periodic re-read that catches a half-open watch
            return;
        }
        long takeableAt = seen.takeableAtNanos(now);
        if (now - takeableAt >= 0) {
            if (!takeable) {
                takeable = true;
                takeableSinceNanos = takeableAt;
            }
            issue(seen.known() == null ? Kind.CREATE : Kind.ACQUIRE);
        } else {
            long nextReadAt = watch.nextReadAtNanos();
            runner.wakeAt(takeableAt - nextReadAt < 0 ? takeableAt : nextReadAt);
        }
    }

    void issue(Kind kind) {
        LeaderElectionRecord record = switch (kind) {
            case READ -> null;
            case CREATE, ACQUIRE -> Records.acquisition(seen.record(), identity, config.leaseDuration(),
                    clock.wallTime(), seen.nextTerm());
            case RENEW -> Records.renewal(seen.record().orElseThrow(), config.leaseDuration(), clock.wallTime());
            case RELEASE -> Records.release(seen.record().orElseThrow(), lock.durationGranularity(),
                    clock.wallTime(), leaving.releaseSuccessor());
        };
        if (kind.acquires()) {
            seen.attempting(record, clock.nanoTime()); // counted as tried even if its answer is lost
        }
        calls.send(kind, record, seen::known, this::completed);
    }

    @SuppressWarnings("unchecked")
    private void completed(Call done, Object result, Throwable cause, LockCall.Outcome outcome) {
        if (outcome == LockCall.Outcome.SUCCESS) {
            pacing.answered();
            if (done.kind() == Kind.READ) {
                read((Optional<LockSnapshot>) result);
            } else {
                wrote(done, (LockSnapshot) result);
            }
        } else if (outcome == LockCall.Outcome.CONFLICT) {
            log.debug("{}: {} conflicted: {}", name, done.kind(), cause.getMessage());
            watch.stale();
            if (done.kind().acquires()) {
                seen.attemptLost(done.term());
            }
            verify = state == ElectorState.LEADING || leaving.draining();
            leaving.callFailed(done, outcome);
        } else {
            failed(done, cause);
            leaving.callFailed(done, outcome);
        }
        leaving.next();
    }

    private void read(Optional<LockSnapshot> snapshot) {
        watch.read();
        Optional<LeaderElectionRecord> record = snapshot.flatMap(LockSnapshot::record);
        if (state != ElectorState.LEADING && !leaving.draining()) {
            observe(snapshot);
        } else if (isOurCurrentTerm(record)) {
            seen.ownVersion(snapshot.get().version());
            observe(snapshot); // still ours at a version we had not seen: renew against it at once
            pacing.renewNow();
        } else {
            observe(snapshot);
            String reason = Reports.lostTo(record, identity);
            if (leaving.draining()) {
                leaving.drainEnded(reason);
            } else {
                stepDown(reason, Cause.LOST);
            }
        }
    }

    private boolean isOurCurrentTerm(Optional<LeaderElectionRecord> record) {
        Term current = tenure.current();
        return current != null && record.map(r -> r.isHeldBy(identity) && r.leaderTransitions() == current.term())
                .orElse(false);
    }

    private void wrote(Call done, LockSnapshot snapshot) {
        watch.fresh();
        if (done.kind().acquires()) {
            seen.attemptWon(done.term());
        }
        seen.ownVersion(snapshot.version());
        observe(Optional.of(snapshot));
        if (done.kind() == Kind.RELEASE) {
            return;
        }
        if (done.kind() == Kind.RENEW) {
            Term current = tenure.current();
            tenure.renewed(current, done.startNanos());
            pacing.renewAfter(done.startNanos());
            log.debug("{}: renewed term {}", name, current.term());
            return;
        }
        long validUntil = done.startNanos() + config.renewDeadline().toNanos();
        if (leaving.closing() || clock.nanoTime() - validUntil >= 0) {
            return; // holder now, but closing or too late to lead on this write: release or acquire again
        }
        begin(done.startNanos(), done.term(), "acquired");
    }

    /** Leads on an acquisition sent at {@code sentNanos}: the term may have started then, so its validity does. */
    private void begin(long sentNanos, long number, String reason) {
        Term acquired = tenure.begin(sentNanos, number);
        pacing.renewAfter(sentNanos);
        long now = clock.nanoTime();
        Duration latency = Duration.ofNanos(takeable ? Math.max(0, now - takeableSinceNanos) : 0);
        takeable = false;
        transition(ElectorState.LEADING, number, reason, Cause.ACQUIRED, latency);
        tenure.started(acquired, leaving::startLeading);
    }

    private void failed(Call done, Throwable cause) {
        if (done.kind().acquires()) {
            watch.stale(); // the write may have landed: read before anything else
        }
        Term current = tenure.current();
        boolean leading = current != null && (state == ElectorState.LEADING || leaving.draining());
        pacing.failed(done.kind(), cause, leading ? current : null);
    }

    private void deadline(Term expected) {
        if (tenure.current() != expected || !(state == ElectorState.LEADING || leaving.draining())) {
            return;
        }
        if (clock.nanoTime() - expected.validUntilNanos() < 0) {
            tenure.armDeadline(expected); // woke early (a drifting timer): sleep again
            return;
        }
        calls.abandon();
        if (leaving.draining()) {
            leaving.drainEnded("the renew deadline passed");
            leaving.next();
            return;
        }
        stepDown("renew deadline passed", Cause.RENEW_DEADLINE);
        step();
    }

    private void stepDown(String reason, Cause cause) {
        Term ended = tenure.end(leaving.draining()); // stopped-leading queued, lost() completed
        pacing.steppedDown();
        transition(ElectorState.FOLLOWING, ended.term(), reason, cause, Duration.ZERO);
    }

    /** Notes what the lock holds now; a new version restarts the expiry clock. */
    private void observe(Optional<LockSnapshot> snapshot) {
        watch.fresh();
        seen.note(snapshot, clock.nanoTime());
        boolean acquiring = calls.busy() && calls.inFlight().acquires();
        if (!acquiring && seen.takeableAtNanos(clock.nanoTime()) - clock.nanoTime() > 0) {
            takeable = false; // held by another again: the next takeover latency counts from its expiry
        }
        reports.holder(seen.holder());
    }

    // ---- for StepDown ---------------------------------------------------------------------------------------

    boolean isClosed() {
        return closed.isDone();
    }

    void backOff(long nanos) {
        pacing.backOff(nanos);
    }

    /** Closing: no more steps, no watch, and nobody waits for a next term. */
    void quiesce() {
        runner.cancelWakeUp();
        watch.close(outbox);
        tenure.closed(name + " closed before it led again");
    }

    /** The last step of closing: close the lock, then complete the future after every callback. */
    void finishClose() {
        outbox.afterwards(() -> {
            try {
                lock.close();
            } catch (RuntimeException e) {
                log.warn("{}: closing the lock failed", name, e);
            } finally {
                outbox.callback("closed", () -> closed.complete(null));
            }
        });
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    void transition(ElectorState to, long termNumber, String reason, Cause cause, Duration latency) {
        ElectorState from = state;
        state = to;
        reports.transition(from, to, termNumber, reason, cause, latency);
    }

    /** A step threw: read afresh and try again a retry period later. */
    private void recover(RuntimeException e) {
        log.error("{}: a step of the election loop failed; trying again in {}", name, config.retryPeriod(), e);
        watch.stale();
        pacing.stepFailed();
        runner.retry(leaving::next, config.retryPeriod());
    }
}
