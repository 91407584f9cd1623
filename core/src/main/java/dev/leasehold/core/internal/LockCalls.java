package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectionScheduler.Cancellable;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one lock call an elector may have in flight: sending it with its timeout, telling the current call's answer
 * from an abandoned one's, and reporting its outcome to listeners. Used under the election loop's mutex.
 */
final class LockCalls {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    enum Kind {
        READ, CREATE, ACQUIRE, RENEW, RELEASE;

        boolean acquires() {
            return this == CREATE || this == ACQUIRE;
        }
    }

    /** A call in flight; {@code term} is the term its record carries (0 for a read). */
    record Call(Kind kind, long seq, long startNanos, long term, Cancellable timeout) { }

    /** Receives the answer of the current call, under the loop's mutex. */
    interface Answer {
        void completed(Call call, Object result, Throwable cause, LockCall.Outcome outcome);
    }

    private final ResourceLock lock;
    private final ElectionScheduler clock;
    private final Duration callTimeout;
    private final Reports reports;
    private final String name;
    private final Consumer<Runnable> onLoop;
    private final Consumer<Runnable> locked;
    private Call current;
    private long seq;

    /**
     * @param onLoop runs a task on the scheduler under the loop's mutex (for answers)
     * @param locked runs a task at once under the loop's mutex (for timeouts, already on the scheduler)
     */
    LockCalls(ResourceLock lock, ElectionScheduler clock, Duration callTimeout, Reports reports, String name,
            Consumer<Runnable> onLoop, Consumer<Runnable> locked) {
        this.lock = lock;
        this.clock = clock;
        this.callTimeout = callTimeout;
        this.reports = reports;
        this.name = name;
        this.onLoop = onLoop;
        this.locked = locked;
    }

    boolean busy() {
        return current != null;
    }

    /** The kind of the call in flight, or null. */
    Kind inFlight() {
        return current == null ? null : current.kind;
    }

    /** Sends a call; its answer (or its timeout) comes to {@code answer} unless it is abandoned first. */
    void send(Kind kind, LeaderElectionRecord record, LockSnapshotSupplier expected, Answer answer) {
        long start = clock.nanoTime();
        long id = ++seq;
        long term = record == null ? 0 : record.leaderTransitions();
        Cancellable timeout = clock.schedule(() -> locked.accept(() -> answer(id, null,
                new TimeoutException("no answer within callTimeout " + callTimeout), answer)), callTimeout);
        current = new Call(kind, id, start, term, timeout);
        CompletableFuture<?> future;
        try {
            future = switch (kind) {
                case READ -> lock.get();
                case CREATE -> lock.create(record);
                case ACQUIRE, RENEW, RELEASE -> lock.update(expected.get(), record);
            };
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        log.debug("{}: {} started", name, kind);
        future.whenComplete((result, error) -> onLoop.accept(() -> answer(id, result, error, answer)));
    }

    /** Forgets the call in flight: its answer, when it comes, is dropped. */
    void abandon() {
        if (current != null) {
            current.timeout.cancel();
            current = null;
        }
    }

    private void answer(long id, Object result, Throwable error, Answer answer) {
        if (current == null || current.seq != id) {
            return; // abandoned: timed out, stepped down or closed meanwhile
        }
        Call done = current;
        current = null;
        done.timeout.cancel();
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        LockCall.Outcome outcome = cause == null ? LockCall.Outcome.SUCCESS
                : cause instanceof LockConflictException ? LockCall.Outcome.CONFLICT
                : cause instanceof TimeoutException ? LockCall.Outcome.TIMEOUT : LockCall.Outcome.ERROR;
        report(done, outcome);
        answer.completed(done, result, cause, outcome);
    }

    private void report(Call done, LockCall.Outcome outcome) {
        if (done.kind == Kind.READ) {
            return;
        }
        LockCall.Kind kind = switch (done.kind) {
            case RENEW -> LockCall.Kind.RENEW;
            case RELEASE -> LockCall.Kind.RELEASE;
            default -> LockCall.Kind.ACQUIRE;
        };
        long term = kind == LockCall.Kind.ACQUIRE && outcome != LockCall.Outcome.SUCCESS ? 0 : done.term;
        reports.lockCall(kind, outcome, done.startNanos, term);
    }

    /** The snapshot a compare-and-swap is made against, read when the call is sent. */
    interface LockSnapshotSupplier {
        dev.leasehold.core.spi.LockSnapshot get();
    }
}
