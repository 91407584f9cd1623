package dev.leasehold.samples.embed;

import dev.leasehold.core.Leadership;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic job that runs only while its elector leads. Wire {@link #start} to {@code onStartedLeading} and
 * {@link #stop} to {@code onStoppedLeading}:
 *
 * <ul>
 *   <li>{@link #start} schedules the task every {@code period} on the job's own thread, handing it the
 *       {@link Leadership} so it can pass the term on as a fencing token, and cancels it as soon as
 *       {@link Leadership#lost()} completes;</li>
 *   <li>each run first checks {@link Leadership#isValid()}, so a run never begins after the term's deadline,
 *       even before the stopped-leading callback arrives;</li>
 *   <li>{@link #stop} cancels the schedule and waits (bounded) for a run in progress to end: the elector
 *       releases the Lease only after its stopped-leading callback returns, so the next leader's job cannot start
 *       while this one still runs (unless a run outlasts the bound).</li>
 * </ul>
 * A task that throws is logged and runs again next period.
 */
public final class LeaderOnlyJob implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderOnlyJob.class);

    private final String name;
    private final Duration period;
    private final Duration stopWait;
    private final Consumer<Leadership> task;
    private final ScheduledExecutorService executor;
    // guards scheduled and current
    private final Object monitor = new Object();
    private ScheduledFuture<?> scheduled;
    private Leadership current;
    private volatile Thread jobThread;

    /**
     * @param name for the thread and the log
     * @param period time between the end of one run and the start of the next
     * @param stopWait how long {@link #stop} waits for a run in progress
     * @param task the leader-only work
     */
    public LeaderOnlyJob(String name, Duration period, Duration stopWait, Consumer<Leadership> task) {
        if (period == null || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        if (stopWait == null || stopWait.isNegative()) {
            throw new IllegalArgumentException("stopWait must not be negative, was " + stopWait);
        }
        this.name = name;
        this.period = period;
        this.stopWait = stopWait;
        this.task = task;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name + "-job");
            thread.setDaemon(true);
            jobThread = thread;
            return thread;
        });
    }

    /** Starts running the task for {@code leadership}'s term (the started-leading callback). */
    public void start(Leadership leadership) {
        synchronized (monitor) {
            cancel();
            current = leadership;
            scheduled = executor.scheduleWithFixedDelay(() -> run(leadership), 0, period.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        LOG.info("{}: job started for term {}", name, leadership.term());
        leadership.lost().thenRun(() -> stop(leadership));
    }

    /** Stops the job (the stopped-leading callback) and waits up to {@code stopWait} for a run in progress. */
    public void stop() {
        Leadership stopped;
        synchronized (monitor) {
            stopped = current;
            if (stopped == null) {
                return;
            }
            cancel();
        }
        LOG.info("{}: job stopped for term {}", name, stopped.term());
        awaitRunInProgress();
    }

    /** Stops the job only if it still runs for {@code leadership} (when its term is lost). */
    private void stop(Leadership leadership) {
        synchronized (monitor) {
            if (current != leadership) {
                return;
            }
        }
        stop();
    }

    /** True while the job is scheduled. */
    public boolean isRunning() {
        synchronized (monitor) {
            return current != null;
        }
    }

    private void cancel() {
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        scheduled = null;
        current = null;
    }

    private void run(Leadership leadership) {
        if (!leadership.isValid()) {
            stop(leadership);
            return;
        }
        try {
            task.accept(leadership);
        } catch (RuntimeException e) {
            LOG.warn("{}: a run of the job failed (term {})", name, leadership.term(), e);
        }
    }

    /** The executor has one thread: a no-op submitted now runs once the run in progress, if any, has ended. */
    private void awaitRunInProgress() {
        if (Thread.currentThread() == jobThread || executor.isShutdown()) {
            return; // called from the job itself: its own run ends when it returns
        }
        try {
            executor.submit(() -> { }).get(stopWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nothing runs any more
        } catch (TimeoutException e) {
            LOG.warn("{}: a run of the job is still going {} after the stop", name, stopWait);
        } catch (ExecutionException e) {
            LOG.warn("{}: waiting for the job failed", name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the job and its thread. */
    @Override
    public void close() {
        stop();
        executor.shutdownNow();
    }
}
