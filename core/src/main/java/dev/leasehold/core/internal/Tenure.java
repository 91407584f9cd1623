package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectionScheduler.Cancellable;
import dev.leasehold.core.Leadership;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The current term and its hand-off to the user. A won term becomes the {@link Leadership} handle, gets a timer
 * for its renew deadline, a started-leading callback and the answer for whoever waits for the next term; an ended
 * term turns invalid at once, queues its stopped-leading callback and completes {@code lost()} outside the
 * callback queue. Used under the election loop's mutex; {@link #current()} is also read without it.
 */
final class Tenure {

    private final String identity;
    private final ElectionScheduler clock;
    private final long renewDeadlineNanos;
    private final Outbox outbox;
    private final Runnable onStoppedLeading;
    private final Consumer<Term> onDeadline;
    private final NextTerm waiters;
    private volatile Term term;
    private Cancellable deadlineTimer;

    /** @param onDeadline runs when a term's renew deadline timer fires (on the scheduler, outside the mutex) */
    Tenure(String identity, ElectionScheduler clock, Duration renewDeadline, Outbox outbox,
            Runnable onStoppedLeading, Consumer<Term> onDeadline) {
        this.identity = identity;
        this.clock = clock;
        this.renewDeadlineNanos = renewDeadline.toNanos();
        this.outbox = outbox;
        this.onStoppedLeading = onStoppedLeading;
        this.onDeadline = onDeadline;
        this.waiters = new NextTerm(outbox);
    }

    /** The current (or last) term; null before the first acquisition. */
    Term current() {
        return term;
    }

    /** A term won by an acquisition sent at {@code sentNanos}: it may have started then, so its validity does. */
    Term begin(long sentNanos, long number) {
        Term acquired = new Term(identity, number, clock, sentNanos + renewDeadlineNanos);
        term = acquired;
        return acquired;
    }

    /** Hands a term that has begun to the user: deadline armed, started-leading queued, waiters answered. */
    void started(Term acquired, Consumer<Term> startLeading) {
        armDeadline(acquired);
        outbox.callback("started-leading", () -> startLeading.accept(acquired));
        waiters.won(acquired);
    }

    /** A renew sent at {@code startNanos} succeeded: the term is valid a renew deadline after it. */
    void renewed(Term current, long startNanos) {
        current.extendTo(startNanos + renewDeadlineNanos);
        armDeadline(current);
    }

    void armDeadline(Term current) {
        cancelDeadline();
        long delay = current.validUntilNanos() - clock.nanoTime();
        deadlineTimer = clock.schedule(() -> onDeadline.accept(current), Duration.ofNanos(Math.max(0, delay)));
    }

    void cancelDeadline() {
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
        }
    }

    /**
     * Ends the current term for the user: stopped-leading queued, lost() completed. A draining leader keeps its
     * deadline timer: the drain too ends at the renew deadline.
     */
    Term end(boolean draining) {
        Term ended = term;
        ended.end();
        if (!draining) {
            cancelDeadline();
            deadlineTimer = null;
        }
        outbox.callback("stopped-leading", onStoppedLeading);
        outbox.signal(ended::completeLost);
        return ended;
    }

    /** Waits for the next term won. */
    void awaitNext(CompletableFuture<Leadership> next) {
        waiters.await(next);
    }

    /** The elector closed: whoever waits for a next term is told {@code message}. */
    void closed(String message) {
        waiters.closed(message);
    }
}
