package dev.leasehold.core;

import java.util.List;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Hears every state transition of an elector: a hook for metrics and Kubernetes events. Called on the callback
 * executor, in order, never on the scheduler; exceptions are logged and swallowed.
 */
@FunctionalInterface
public interface ElectorListener {

    void onTransition(StateChange change);

    /**
     * Hears the outcome of every acquire, renew and release call, for timers by outcome. Called like
     * {@link #onTransition(StateChange)}: on the callback executor, in order. Does nothing by default.
     */
    default void onLockCall(LockCall call) {
    }

    /**
     * Several listeners as one: each hears every call, in the order given; one that throws is logged and does not
     * keep the others from hearing it. {@link LeaderElectorBuilder#listener} uses it when given several.
     *
     * @throws IllegalArgumentException naming a null element
     */
    static ElectorListener all(List<ElectorListener> listeners) {
        for (int i = 0; i < listeners.size(); i++) {
            if (listeners.get(i) == null) {
                throw new IllegalArgumentException("listeners[" + i + "] must not be null");
            }
        }
        List<ElectorListener> all = List.copyOf(listeners);
        if (all.size() == 1) {
            return all.get(0);
        }
        return new ElectorListener() {
            @Override
            public void onTransition(StateChange change) {
                each(l -> l.onTransition(change));
            }

            @Override
            public void onLockCall(LockCall call) {
                each(l -> l.onLockCall(call));
            }

            private void each(Consumer<ElectorListener> call) {
                for (ElectorListener listener : all) {
                    try {
                        call.accept(listener);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(ElectorListener.class).warn("elector listener {} failed", listener, e);
                    }
                }
            }

            @Override
            public String toString() {
                return "ElectorListener.all" + all;
            }
        };
    }
}
