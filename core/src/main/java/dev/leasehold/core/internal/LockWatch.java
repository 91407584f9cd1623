package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fresh the election loop's view of the lock is: the lock's watch (whether it is up, and closing it) and when
 * the loop must read the object itself. Without a watch it polls every retry period with jitter; with one it
 * re-reads after {@code watchRecheck} of silence, which catches a half-open watch; after a watch (re)start, a
 * conflict, a failed acquisition (its write may have landed) or a step that threw, it reads before anything
 * else. Watch events are handed to the loop on the scheduler, under its mutex, where every other method here is
 * used too.
 */
final class LockWatch implements LockListener {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final ElectionLoop loop;
    private final LoopRunner runner;
    private final ElectionScheduler clock;
    private final Delays delays;
    private final long recheckNanos;
    private final String name;
    private boolean up;
    private AutoCloseable watch;
    private boolean haveRead;
    private long nextReadAtNanos;

    LockWatch(ElectionLoop loop, LoopRunner runner, ElectionScheduler clock, Delays delays, Duration watchRecheck,
            String name) {
        this.loop = loop;
        this.runner = runner;
        this.clock = clock;
        this.delays = delays;
        this.recheckNanos = watchRecheck.toNanos();
        this.name = name;
    }

    /** Asks the lock to watch its object; without a watch the loop polls. */
    void open(ResourceLock lock) {
        try {
            watch = lock.watch(this).orElse(null);
        } catch (RuntimeException e) {
            log.warn("{}: could not watch the lock, polling instead", name, e);
        }
    }

    @Override
    public void watchUp() {
        runner.onScheduler(() -> {
            up = true;
            haveRead = false;
            loop.replan();
        });
    }

    @Override
    public void watchDown(Throwable cause) {
        runner.onScheduler(() -> {
            if (up) {
                log.debug("{}: watch lost, polling until it is back", name, cause);
            }
            up = false;
            nextReadAtNanos = clock.nanoTime() + delays.pollNanos();
            loop.replan();
        });
    }

    @Override
    public void changed(LockSnapshot snapshot) {
        runner.onScheduler(() -> loop.notified(Optional.of(snapshot)));
    }

    @Override
    public void deleted() {
        runner.onScheduler(() -> loop.notified(Optional.empty()));
    }

    /** A notification proves the watch alive: the periodic re-read waits for another silence. */
    void heard() {
        if (up) {
            nextReadAtNanos = clock.nanoTime() + recheckNanos;
        }
    }

    /** The loop read the object: the next read is due after a silence (watch up) or a poll period. */
    void read() {
        haveRead = true;
        nextReadAtNanos = clock.nanoTime() + (up ? recheckNanos : delays.pollNanos());
    }

    /** The loop knows what the lock holds now (it read, wrote or heard it). */
    void fresh() {
        haveRead = true;
    }

    /** What the loop knows may be out of date: it reads before anything else. */
    void stale() {
        haveRead = false;
    }

    /** True when the loop must read the object before deciding anything else. */
    boolean readDue(long now) {
        return !haveRead || now - nextReadAtNanos >= 0;
    }

    long nextReadAtNanos() {
        return nextReadAtNanos;
    }

    /** Closes the watch once the mutex is released. */
    void close(Outbox outbox) {
        if (watch != null) {
            AutoCloseable w = watch;
            watch = null;
            outbox.afterwards(() -> {
                try {
                    w.close();
                } catch (Exception e) {
                    log.debug("{}: closing the watch failed", name, e);
                }
            });
        }
    }
}
