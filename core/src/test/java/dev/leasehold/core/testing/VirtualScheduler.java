package dev.leasehold.core.testing;

import dev.leasehold.core.ElectionScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * Virtual time for whole scenarios: one queue of tasks ordered by true virtual time, and per-candidate
 * {@link Clock}s that read it at their own rate (clock drift) and from their own offset. Nothing sleeps;
 * {@link #runFor(Duration)} runs every task due in that span, in order, on the calling thread.
 */
public final class VirtualScheduler {

    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private record Task(long at, long seq, Runnable body) { }

    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) ->
            a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private volatile long now;
    private long seq;
    private Runnable afterEachTask = () -> { };

    /** True virtual time in nanoseconds since the scenario began. */
    public long now() {
        return now;
    }

    public Duration elapsed() {
        return Duration.ofNanos(now);
    }

    /** Runs {@code check} after every task, e.g. to assert invariants at every step. */
    public void afterEachTask(Runnable check) {
        this.afterEachTask = check;
    }

    /**
     * Schedules {@code task} after {@code delayNanos} of true time. Safe from any thread (a real callback thread
     * may hand work back to the elector), though tasks only run on the thread that runs the time.
     */
    public synchronized void schedule(Runnable task, long delayNanos) {
        queue.add(new Task(now + Math.max(0, delayNanos), seq++, task));
    }

    /** Runs all tasks due within the next {@code span}, then sets the time to its end. */
    public void runFor(Duration span) {
        runUntil(now + span.toNanos());
    }

    public void runUntil(long until) {
        while (true) {
            Task task;
            synchronized (this) {
                if (queue.isEmpty() || queue.peek().at > until) {
                    now = Math.max(now, until);
                    return;
                }
                task = queue.poll();
                now = task.at;
            }
            task.body.run();
            afterEachTask.run();
        }
    }

    /** A perfect clock with no drift. */
    public Clock clock() {
        return clock(1.0, 0);
    }

    /**
     * A candidate's clock: local nanoTime = {@code offsetNanos + rate × true time}. Timers it schedules fire
     * when its local time reaches their target.
     */
    public Clock clock(double rate, long offsetNanos) {
        return clock(rate, offsetNanos, 0);
    }

    /**
     * As {@link #clock(double, long)}, on a machine whose wall clock is {@code wallOffsetNanos} off the true time,
     * as no two machines' wall clocks agree to the nanosecond. Wall time only goes into the records written.
     */
    public Clock clock(double rate, long offsetNanos, long wallOffsetNanos) {
        return new Clock(rate, offsetNanos, wallOffsetNanos);
    }

    /** One candidate's view of time; {@link #kill()} stops everything it scheduled, as a crash would. */
    public final class Clock implements ElectionScheduler {
        private final double rate;
        private final long offset;
        private final long wallOffset;
        private boolean dead;

        private Clock(double rate, long offset, long wallOffset) {
            if (rate <= 0) {
                throw new IllegalArgumentException("rate must be positive, was " + rate);
            }
            this.rate = rate;
            this.offset = offset;
            this.wallOffset = wallOffset;
        }

        @Override
        public long nanoTime() {
            return offset + Math.round(now * rate);
        }

        @Override
        public Instant wallTime() {
            return EPOCH.plusNanos(now + wallOffset);
        }

        @Override
        public Cancellable schedule(Runnable task, Duration delay) {
            boolean[] cancelled = {false};
            long trueDelay = (long) Math.ceil(Math.max(0, delay.toNanos()) / rate);
            VirtualScheduler.this.schedule(() -> {
                if (!cancelled[0] && !dead) {
                    task.run();
                }
            }, trueDelay);
            return () -> cancelled[0] = true;
        }

        /** From now on, nothing this clock scheduled runs. */
        public void kill() {
            dead = true;
        }

        public boolean isDead() {
            return dead;
        }

        public double rate() {
            return rate;
        }
    }
}
