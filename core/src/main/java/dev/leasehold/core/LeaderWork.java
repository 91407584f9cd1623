package dev.leasehold.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader work on a thread of its own per term, interrupted when the term ends: the elector's counterpart of
 * client-go's cancelled context. Made by {@link LeaderElectorBuilder#leaderWork(Consumer)}.
 */
final class LeaderWork {

    private static final Logger log = LoggerFactory.getLogger(LeaderWork.class);
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final Consumer<Leadership> work;
    private volatile Thread current;

    LeaderWork(Consumer<Leadership> work) {
        this.work = work;
    }

    void start(Leadership leadership) {
        Thread thread = new Thread(() -> {
            try {
                work.accept(leadership);
            } catch (RuntimeException e) {
                log.error("{}: leader work of term {} failed", leadership.identity(), leadership.term(), e);
            }
        }, "leasehold-work-" + COUNT.incrementAndGet() + "-term-" + leadership.term());
        thread.setDaemon(true);
        current = thread;
        thread.start();
        leadership.lost().thenRun(thread::interrupt);
    }

    /** Interrupts the work of the term that ended and waits for it to return. */
    void stop() {
        Thread thread = current;
        if (thread == null) {
            return;
        }
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
