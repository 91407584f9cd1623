package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionConfig;
import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectionScheduler.Cancellable;
import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StartFailurePolicy;
import dev.leasehold.core.StateChange.Cause;
import dev.leasehold.core.internal.LockCalls.Call;
import dev.leasehold.core.internal.LockCalls.Kind;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a leader leaves on purpose: by closing (for good) or by resigning (and competing on). Either way its term
 * ends for the user at once (stopped-leading is queued, the handle turns invalid) while the lock stays renewed
 * ("draining") until stopped-leading has returned, at most {@code closeDrainTimeout} and never past the renew
 * deadline; then the lock is released if it still carries this incarnation's term, so the next leader cannot
 * start while this one still works. Part of {@link ElectionLoop}, used under its mutex.
 */
final class StepDown {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final ElectionLoop loop;
    private final LoopRunner runner;
    private final LockCalls calls;
    private final Observation seen;
    private final Tenure tenure;
    private final Outbox outbox;
    private final ElectionConfig config;
    private final ElectionScheduler clock;
    private final String name;
    private boolean closing;
    private boolean draining;
    private boolean awaitingStopped;
    private boolean resigning;
    private Optional<String> successor = Optional.empty();
    private long backoffNanos;
    private int releaseAttempts;
    private boolean recheck;
    private Cancellable drainTimer;

    StepDown(ElectionLoop loop, LoopRunner runner, LockCalls calls, Observation seen, Tenure tenure, Outbox outbox,
            ElectionConfig config, String name) {
        this.loop = loop;
        this.runner = runner;
        this.calls = calls;
        this.seen = seen;
        this.tenure = tenure;
        this.outbox = outbox;
        this.config = config;
        this.clock = config.scheduler();
        this.name = name;
    }

    boolean closing() {
        return closing;
    }

    /** True while a leader that stepped down keeps renewing the lock for its stopped-leading callback. */
    boolean draining() {
        return draining;
    }

    /** The successor a resigning leader's release names (none when closing). */
    Optional<String> releaseSuccessor() {
        return closing ? Optional.empty() : successor;
    }

    /** Begins closing: final and idempotent. */
    void close() {
        if (closing || loop.state() == ElectorState.STOPPED) {
            return;
        }
        closing = true;
        releaseAttempts = 0; // a resignation before may have used some
        loop.quiesce();
        if (loop.state() == ElectorState.LEADING) {
            Term ended = beginDrain();
            loop.transition(ElectorState.STOPPED, ended.term(), "closed", Cause.CLOSED, Duration.ZERO);
            loop.step();
            return;
        }
        boolean afterResign = draining || resigning; // the release still waits for stopped-leading
        resigning = false;
        loop.transition(ElectorState.STOPPED, 0, "closed", Cause.CLOSED, Duration.ZERO);
        if (afterResign) {
            return;
        }
        if (tenure.current() != null) {
            // a term that ended by its renew deadline may still be in stopped-leading: release only after it
            awaitStopped();
        }
        if (!calls.busy() || !calls.inFlight().acquires()) {
            calls.abandon();
            continueClose();
        } // else: an acquisition is in flight; its outcome decides whether we must release
    }

    /**
     * Gives up {@code expected} if it is still the current term: releases after the drain and stays away for
     * {@code backoff}. Returns false when there is no such term to give up.
     */
    boolean resign(Term expected, Duration backoff, Optional<String> next, String reason) {
        if (loop.state() != ElectorState.LEADING || closing || expected == null || tenure.current() != expected) {
            return false;
        }
        resigning = true;
        successor = next;
        backoffNanos = Math.max(0, backoff.toNanos());
        releaseAttempts = 0;
        Term ended = beginDrain();
        loop.transition(ElectorState.FOLLOWING, ended.term(), reason, Cause.RESIGNED, Duration.ZERO);
        loop.step();
        return true;
    }

    /**
     * Runs started-leading; when it throws, applies the start-failure policy: resign and stay away for a lease
     * (the default), or rethrow to the callback queue, which logs it, and lead on.
     */
    void startLeading(Term acquired) {
        try {
            config.onStartedLeading().accept(acquired);
        } catch (RuntimeException e) {
            if (config.startFailure() == StartFailurePolicy.KEEP_LEADING) {
                throw e;
            }
            log.error("{}: started-leading of term {} failed; resigning and staying away for {}", name,
                    acquired.term(), config.leaseDuration(), e);
            runner.locked(() -> resign(acquired, config.leaseDuration(), Optional.empty(), "started-leading failed"));
        }
    }

    /** Notes what a failed call means for the release: one whose answer is lost may have landed. */
    void callFailed(Call done, LockCall.Outcome outcome) {
        if (!closing && !resigning) {
            return;
        }
        recheck = outcome == LockCall.Outcome.CONFLICT ? done.kind() == Kind.RELEASE
                : done.kind() != Kind.READ && done.kind() != Kind.RENEW;
    }

    /** After each call: go on closing or resigning, or let the loop decide. */
    void next() {
        if (closing && !draining) {
            continueClose();
        } else if (resigning && !draining) {
            finishResign();
        } else {
            loop.step();
        }
    }

    /** The drain ends early: the renew deadline passed, or the lock no longer carries our term. */
    void drainEnded(String reason) {
        if (draining) {
            log.info("{}: stopped renewing while stepping down: {}", name, reason);
            draining = false;
        }
    }

    private Term beginDrain() {
        draining = true;
        awaitingStopped = true;
        Term ended = tenure.end(draining);
        cancel(drainTimer);
        drainTimer = clock.schedule(() -> runner.locked(() -> drainOver("closeDrainTimeout "
                + config.closeDrainTimeout() + " passed")), config.closeDrainTimeout());
        awaitStopped();
        return ended;
    }

    /** Holds the release until every callback queued so far (stopped-leading among them) has returned. */
    private void awaitStopped() {
        awaitingStopped = true;
        outbox.callback("release", () -> { })
                .whenComplete((ignored, error) -> runner.onScheduler(this::stoppedReturned));
    }

    private void drainOver(String reason) {
        if (draining) {
            log.info("{}: stopped renewing while stepping down: {}; the lock expires unless stopped-leading "
                    + "returns first", name, reason);
            draining = false;
            calls.abandon();
        }
    }

    private void stoppedReturned() {
        awaitingStopped = false;
        draining = false;
        cancel(drainTimer);
        tenure.cancelDeadline();
        if (!calls.busy()) {
            next();
        } // else: the call in flight finishes first, then closing (or resigning) goes on
    }

    /** After a resignation's drain: release (if still ours), then back off and follow. */
    private void finishResign() {
        if (calls.busy() || awaitingStopped || draining || !resigning) {
            return;
        }
        if (releaseOrRecheck()) {
            return;
        }
        resigning = false;
        successor = Optional.empty();
        releaseAttempts = 0;
        loop.backOff(backoffNanos);
        loop.step();
    }

    private void continueClose() {
        if (loop.isClosed() || calls.busy() || awaitingStopped || draining) {
            return;
        }
        boolean holding = seen.namesOurTerm();
        if (config.releaseOnClose() && releaseOrRecheck()) {
            return;
        }
        if (holding && config.releaseOnClose()) {
            log.warn("{}: could not release the lock; followers take over once it expires", name);
        }
        loop.finishClose();
    }

    /**
     * Sends a read (when the last call may have landed) or a release (when the lock still carries the term this
     * incarnation won: a restarted process with the same identity may hold it by now); false when neither is due.
     */
    private boolean releaseOrRecheck() {
        if (releaseAttempts >= 3) {
            return false;
        }
        if (recheck) {
            recheck = false;
            loop.issue(Kind.READ);
            return true;
        }
        if (seen.namesOurTerm()) {
            releaseAttempts++;
            loop.issue(Kind.RELEASE);
            return true;
        }
        return false;
    }

    private static void cancel(Cancellable cancellable) {
        if (cancellable != null) {
            cancellable.cancel();
        }
    }
}
