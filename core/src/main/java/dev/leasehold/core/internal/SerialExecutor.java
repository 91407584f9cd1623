package dev.leasehold.core.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor. A task that throws is logged and the
 * next one still runs, so one bad callback cannot silence the rest.
 */
public final class SerialExecutor {

    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor delegate;
    private final String owner;
    private final Queue<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor delegate, String owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    /** Queues {@code task}; the future completes after it ran (normally or not). */
    public CompletableFuture<Void> submit(String what, Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable wrapped = () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("{}: {} callback failed", owner, what, e);
            } finally {
                done.complete(null);
            }
        };
        boolean start;
        synchronized (queue) {
            queue.add(wrapped);
            start = !running;
            running = true;
        }
        if (start) {
            dispatch();
        }
        return done;
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
        while (true) {
            Runnable next;
            synchronized (queue) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.run();
        }
    }
}
