package dev.leasehold.core.spi;

/**
 * Receives change notifications from a lock that can watch its object. Calls may come from any thread, must
 * not block, and may be duplicated, delayed or (rarely) lost: the elector uses them to act sooner, never as the
 * only source of truth, and falls back to polling while the watch is down.
 */
public interface LockListener {

    /** The watch is established (again); notifications will follow. */
    void watchUp();

    /** The object changed; {@code snapshot} is its new state. */
    void changed(LockSnapshot snapshot);

    /** The object was deleted. */
    void deleted();

    /** The watch is lost; the lock keeps trying to re-establish it and calls {@link #watchUp()} when it does. */
    void watchDown(Throwable cause);
}
