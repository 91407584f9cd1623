package dev.leasehold.core.internal;

import dev.leasehold.core.LeaderElector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The effects of one step of the election loop. Callbacks are queued in the callback queue while the loop's
 * mutex is held, so they run in exactly the order the state machine produced them, whichever thread stepped;
 * everything else (closing a watch or the lock, completing futures) waits in a list until the mutex is
 * released, and then the callback queue is handed to its executor.
 */
final class Outbox {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final SerialExecutor callbacks;
    private final Executor signals;
    private final String name;
    private final List<Runnable> after = new ArrayList<>();

    Outbox(Executor callbackExecutor, String name) {
        this.callbacks = new SerialExecutor(callbackExecutor, name);
        this.signals = callbackExecutor;
        this.name = name;
    }

    /** Queues a user callback in order (under the mutex); the future completes once it has returned. */
    CompletableFuture<Void> callback(String what, Runnable callback) {
        return callbacks.enqueue(what, callback);
    }

    /**
     * Completes a future users wait on, on the callback executor but outside the callback queue, so that a
     * callback that waits for it (e.g. started-leading blocking on {@code lost()}) cannot hold it up.
     */
    void signal(Runnable completion) {
        after.add(() -> {
            try {
                signals.execute(completion);
            } catch (RejectedExecutionException e) {
                completion.run();
            }
        });
    }

    /** Runs {@code effect} once the mutex is released. */
    void afterwards(Runnable effect) {
        after.add(effect);
    }

    boolean isCallbackThread() {
        return callbacks.isRunningTaskOnThisThread();
    }

    /** Takes the pending effects (under the mutex). */
    List<Runnable> take() {
        List<Runnable> effects = new ArrayList<>(after);
        after.clear();
        return effects;
    }

    /** Runs taken effects and hands the callback queue over (outside the mutex). */
    void flush(List<Runnable> effects) {
        for (Runnable effect : effects) {
            try {
                effect.run();
            } catch (RuntimeException e) {
                log.error("{}: an effect of the election loop failed", name, e);
            }
        }
        callbacks.kick();
    }
}
