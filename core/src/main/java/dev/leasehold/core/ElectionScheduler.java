package dev.leasehold.core;

import java.time.Duration;
import java.time.Instant;

/**
 * The one time source of an elector: a monotonic clock, the wall clock used only to stamp records for people,
 * and the timer that runs the elector's steps. Many electors share one scheduler; a virtual implementation
 * (in the test fixtures) drives whole scenarios without sleeping.
 *
 * <p>Tasks run one at a time per elector, must not block, and must be cheap: user callbacks never run here.
 */
public interface ElectionScheduler {

    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanoTime();

    /** Wall-clock time, written into records for humans and other clients; never used for decisions. */
    Instant wallTime();

    /** Runs {@code task} once after {@code delay} (at once when zero or negative). */
    Cancellable schedule(Runnable task, Duration delay);

    /** Runs {@code task} as soon as possible. */
    default void execute(Runnable task) {
        schedule(task, Duration.ZERO);
    }

    /** A scheduled task that can be called off; cancelling twice or after it ran is harmless. */
    interface Cancellable {
        void cancel();
    }

    /**
     * The scheduler shared by electors that are not given one: one daemon thread, so it never keeps a JVM
     * alive, created on first use.
     */
    static ElectionScheduler shared() {
        return SystemScheduler.SHARED.get();
    }

    /** A scheduler of its own with {@code threads} daemon threads; close it when its electors are closed. */
    static SystemScheduler create(String name, int threads) {
        return new SystemScheduler(name, threads);
    }
}
