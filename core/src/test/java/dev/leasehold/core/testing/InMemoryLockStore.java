package dev.leasehold.core.testing;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.LockSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The server side of an in-memory lock: one object with a version that every write increments, and
 * compare-and-swap semantics like the Kubernetes API's resourceVersion. Thread-safe.
 */
public final class InMemoryLockStore {

    private final String name;
    private final List<Consumer<Optional<LockSnapshot>>> watchers = new ArrayList<>();
    private LockSnapshot current; // null: no object
    private long version;
    private int writes;

    public InMemoryLockStore(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public synchronized Optional<LockSnapshot> get() {
        return Optional.ofNullable(current);
    }

    public synchronized int writes() {
        return writes;
    }

    /** The record currently stored, if any. */
    public synchronized Optional<LeaderElectionRecord> record() {
        return current == null ? Optional.empty() : current.record();
    }

    public LockSnapshot create(LeaderElectionRecord record) {
        LockSnapshot result;
        synchronized (this) {
            if (current != null) {
                throw new LockConflictException(name + " already exists at version " + current.version());
            }
            result = store(Optional.of(record), null);
        }
        notifyWatchers(Optional.of(result));
        return result;
    }

    public LockSnapshot update(LockSnapshot expected, LeaderElectionRecord record) {
        LockSnapshot result;
        synchronized (this) {
            if (current == null) {
                throw new LockConflictException(name + " does not exist");
            }
            if (!current.version().equals(expected.version())) {
                throw new LockConflictException(name + " is at version " + current.version() + ", not "
                        + expected.version());
            }
            result = store(Optional.of(record), null);
        }
        notifyWatchers(Optional.of(result));
        return result;
    }

    /** Writes something that is not a record, as a broken foreign client might. */
    public void corrupt(String reason) {
        LockSnapshot result;
        synchronized (this) {
            result = store(Optional.empty(), reason);
        }
        notifyWatchers(Optional.of(result));
    }

    /** Writes {@code record} unconditionally, as an administrator with kubectl might. */
    public void overwrite(LeaderElectionRecord record) {
        LockSnapshot result;
        synchronized (this) {
            result = store(Optional.of(record), null);
        }
        notifyWatchers(Optional.of(result));
    }

    /**
     * Puts the store back to an earlier state, version included, as an API server restored from an old etcd
     * backup might; later writes still get fresh versions.
     */
    public void rollback(LockSnapshot earlier) {
        synchronized (this) {
            current = earlier;
            writes++;
        }
        notifyWatchers(Optional.of(earlier));
    }

    public void delete() {
        synchronized (this) {
            current = null;
            writes++;
        }
        notifyWatchers(Optional.empty());
    }

    public synchronized void addWatcher(Consumer<Optional<LockSnapshot>> watcher) {
        watchers.add(watcher);
    }

    public synchronized void removeWatcher(Consumer<Optional<LockSnapshot>> watcher) {
        watchers.remove(watcher);
    }

    private LockSnapshot store(Optional<LeaderElectionRecord> record, String unreadable) {
        version++;
        writes++;
        current = new LockSnapshot(record, Long.toString(version), Optional.ofNullable(unreadable));
        return current;
    }

    private void notifyWatchers(Optional<LockSnapshot> snapshot) {
        List<Consumer<Optional<LockSnapshot>>> copy;
        synchronized (this) {
            copy = List.copyOf(watchers);
        }
        copy.forEach(w -> w.accept(snapshot));
    }
}
