package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectionScheduler.Cancellable;
import dev.leasehold.core.LeaderElector;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the election loop's tasks one at a time under one mutex, and the effects they queued in the {@link Outbox}
 * after it is released. Tasks handed over from other threads run on the scheduler, and only until the elector has
 * closed; one timer wakes the loop for its next step. A task that throws goes to the loop's recovery: no task
 * dies silently.
 */
final class LoopRunner {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final Object mutex = new Object();
    private final ElectionScheduler clock;
    private final Outbox outbox;
    private final String name;
    private final BooleanSupplier closed;
    private final Consumer<RuntimeException> recover;
    private final Runnable step;
    private Cancellable stepTimer; // guarded by mutex

    /**
     * @param closed true once the elector has closed: later tasks from the scheduler are dropped
     * @param recover called under the mutex with what a task threw
     * @param step the loop's step, run when the step timer fires
     */
    LoopRunner(ElectionScheduler clock, Outbox outbox, String name, BooleanSupplier closed,
            Consumer<RuntimeException> recover, Runnable step) {
        this.clock = clock;
        this.outbox = outbox;
        this.name = name;
        this.closed = closed;
        this.recover = recover;
        this.step = step;
    }

    /**
     * Runs one step under the mutex, then its effects outside it. A step that throws is handed to the recovery,
     * which tries again later ({@link #retry}).
     */
    void locked(Runnable task) {
        List<Runnable> effects;
        synchronized (mutex) {
            try {
                task.run();
            } catch (RuntimeException e) {
                recover.accept(e);
            } finally {
                effects = outbox.take();
            }
        }
        outbox.flush(effects);
    }

    /** Runs {@code task} on the scheduler under the mutex, unless the elector has closed by then. */
    void onScheduler(Runnable task) {
        clock.execute(() -> locked(() -> {
            if (!closed.getAsBoolean()) {
                task.run();
            }
        }));
    }

    /** Runs a check under the mutex that may throw to the caller: no recovery, no effects. */
    void checked(Runnable check) {
        synchronized (mutex) {
            check.run();
        }
    }

    /** Runs the step at {@code nanos} on the monotonic clock, instead of any step planned before. */
    void wakeAt(long nanos) {
        cancelWakeUp();
        stepTimer = clock.schedule(() -> locked(step), Duration.ofNanos(Math.max(0, nanos - clock.nanoTime())));
    }

    /** Calls off the planned step, if any. */
    void cancelWakeUp() {
        if (stepTimer != null) {
            stepTimer.cancel();
        }
        stepTimer = null;
    }

    /** After a failed task: runs {@code task} under the mutex {@code after} from now, instead of any planned step. */
    void retry(Runnable task, Duration after) {
        try {
            cancelWakeUp();
            stepTimer = clock.schedule(() -> locked(task), after);
        } catch (RuntimeException again) {
            log.error("{}: could not schedule the retry", name, again);
        }
    }
}
