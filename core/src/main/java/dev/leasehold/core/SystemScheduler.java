package dev.leasehold.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** An {@link ElectionScheduler} on {@link System#nanoTime()} and a small pool of daemon threads. */
public final class SystemScheduler implements ElectionScheduler, AutoCloseable {

    static final Lazy SHARED = new Lazy();

    private final ScheduledThreadPoolExecutor executor;

    SystemScheduler(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        AtomicInteger count = new AtomicInteger();
        executor = new ScheduledThreadPoolExecutor(threads, runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant wallTime() {
        return Instant.now();
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        if (executor.isShutdown()) {
            return () -> { };
        }
        ScheduledFuture<?> future = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    static final class Lazy implements Supplier<ElectionScheduler> {
        private volatile SystemScheduler instance;

        @Override
        public ElectionScheduler get() {
            SystemScheduler result = instance;
            if (result == null) {
                synchronized (this) {
                    result = instance;
                    if (result == null) {
                        result = new SystemScheduler("leasehold-scheduler", 1);
                        instance = result;
                    }
                }
            }
            return result;
        }
    }
}
