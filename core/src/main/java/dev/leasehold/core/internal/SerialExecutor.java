package dev.leasehold.core.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order they were queued, on a delegate executor. Queueing ({@link #enqueue})
 * and handing the queue to the delegate ({@link #kick()}) are separate steps, so that a caller can queue under
 * its own lock (fixing the order) and hand over after releasing it.
 *
 * <p>A task that throws an exception is logged and the next one still runs. A task that throws an
 * {@link Error} is logged, the rest of the queue is handed to the delegate again, and the error is rethrown
 * to the delegate's thread, so that it is neither swallowed nor the end of later callbacks.
 */
public final class SerialExecutor {

    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);
    private static final ThreadLocal<SerialExecutor> RUNNING = new ThreadLocal<>();

    private final Executor delegate;
    private final String owner;
    private final Queue<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor delegate, String owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    /** Queues {@code task} and hands the queue over; the future completes after it ran (normally or not). */
    public CompletableFuture<Void> submit(String what, Runnable task) {
        CompletableFuture<Void> done = enqueue(what, task);
        kick();
        return done;
    }

    /** Queues {@code task} without running anything; call {@link #kick()} afterwards, outside any lock. */
    public CompletableFuture<Void> enqueue(String what, Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable wrapped = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("{}: {} callback failed", owner, what, e);
            } catch (Error e) {
                log.error("{}: {} callback failed with an error; later callbacks still run", owner, what, e);
                throw e;
            } finally {
                done.complete(null);
            }
        };
        synchronized (queue) {
            queue.add(wrapped);
        }
        return done;
    }

    /** Hands the queue to the delegate unless it already runs it. */
    public void kick() {
        boolean start;
        synchronized (queue) {
            start = !running && !queue.isEmpty();
            running |= start;
        }
        if (start) {
            dispatch();
        }
    }

    /** True on a thread that is running one of this executor's tasks right now. */
    public boolean isRunningTaskOnThisThread() {
        return RUNNING.get() == this;
    }

    private void dispatch() {
        try {
            delegate.execute(this::drain);
        } catch (RejectedExecutionException e) {
            log.error("{}: the callback executor refused work; running callbacks on the caller", owner, e);
            drain();
        }
    }

    private void drain() {
        SerialExecutor outer = RUNNING.get();
        RUNNING.set(this);
        try {
            while (true) {
                Runnable next;
                synchronized (queue) {
                    next = queue.poll();
                    if (next == null) {
                        running = false;
                        return;
                    }
                }
                try {
                    next.run();
                } catch (Error e) {
                    synchronized (queue) {
                        running = false;
                    }
                    kick(); // the rest runs on a fresh hand-over, this thread carries the error
                    throw e;
                }
            }
        } finally {
            RUNNING.set(outer);
        }
    }
}
