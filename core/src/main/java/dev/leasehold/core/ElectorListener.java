package dev.leasehold.core;

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
}
