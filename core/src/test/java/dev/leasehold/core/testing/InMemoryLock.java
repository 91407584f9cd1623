package dev.leasehold.core.testing;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.LockUnavailableException;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One candidate's client of an {@link InMemoryLockStore}, with {@link Faults} on the way. With a
 * {@link VirtualScheduler} calls take virtual time; without one they complete at once on the caller's thread.
 */
public final class InMemoryLock implements ResourceLock {

    private final InMemoryLockStore store;
    private final String identity;
    private final Faults faults;
    private final VirtualScheduler time;
    private final RandomGenerator random;
    private volatile boolean closed;
    private volatile LockListener listener;
    private volatile int calls;

    public InMemoryLock(InMemoryLockStore store, String identity) {
        this(store, identity, new Faults(), null, RandomGenerator.of("L64X128MixRandom"));
    }

    public InMemoryLock(InMemoryLockStore store, String identity, Faults faults, VirtualScheduler time,
            RandomGenerator random) {
        this.store = store;
        this.identity = identity;
        this.faults = faults;
        this.time = time;
        this.random = random;
    }

    public Faults faults() {
        return faults;
    }

    public boolean isClosed() {
        return closed;
    }

    /** How many calls this client has made. */
    public int calls() {
        return calls;
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public String describe() {
        return "InMemoryLock " + store.name();
    }

    /** The store keeps records as written: times to the nanosecond. */
    @Override
    public Duration timePrecision() {
        return Duration.ofNanos(1);
    }

    @Override
    public CompletableFuture<Optional<LockSnapshot>> get() {
        return call(store::get);
    }

    @Override
    public CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
        return call(() -> store.create(record));
    }

    @Override
    public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
        return call(() -> {
            if (random.nextDouble() < faults.spuriousConflictRate) {
                throw new LockConflictException("injected conflict");
            }
            return store.update(expected, record);
        });
    }

    @Override
    public Optional<AutoCloseable> watch(LockListener listener) {
        Consumer<Optional<LockSnapshot>> watcher = snapshot -> {
            if (faults.partitioned || random.nextDouble() < faults.dropNotificationRate) {
                return;
            }
            long extra = (long) (random.nextDouble() * faults.notificationDelay.toNanos());
            later(() -> {
                if (!closed) {
                    snapshot.ifPresentOrElse(listener::changed, listener::deleted);
                }
            }, extra);
        };
        this.listener = listener;
        store.addWatcher(watcher);
        later(() -> {
            if (!faults.partitioned) {
                listener.watchUp();
            }
        });
        return Optional.of(() -> store.removeWatcher(watcher));
    }

    /**
     * Cuts this candidate off (every call hangs) or reconnects it. A cut watch either reports itself down or
     * goes silent, as real ones do; on reconnection it comes back up.
     */
    public void partition(boolean cut, boolean silently) {
        faults.partitioned = cut;
        LockListener current = listener;
        if (current == null) {
            return;
        }
        if (cut && !silently) {
            later(() -> current.watchDown(new LockUnavailableException("partitioned")));
        } else if (!cut) {
            later(() -> {
                if (!closed) {
                    current.watchUp();
                }
            });
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private <T> CompletableFuture<T> call(Supplier<T> operation) {
        calls++;
        CompletableFuture<T> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new LockUnavailableException("lock closed"));
            return answer;
        }
        if (faults.partitioned || random.nextDouble() < faults.hangRate) {
            return answer;
        }
        if (random.nextDouble() < faults.lateApplyRate) {
            later(() -> {
                try {
                    operation.get(); // applied long after the caller gave up; nobody hears the answer
                } catch (RuntimeException e) {
                    // a late conflict changes nothing
                }
            }, faults.lateApplyDelay.toNanos());
            return answer;
        }
        if (random.nextDouble() < faults.errorRate) {
            Duration retryAfter = faults.errorRetryAfter;
            later(() -> answer.completeExceptionally(new LockUnavailableException("injected error", null,
                    retryAfter)));
            return answer;
        }
        boolean loseResponse = random.nextDouble() < faults.lostResponseRate;
        later(() -> {
            T result = null;
            RuntimeException failure = null;
            try {
                result = operation.get();
            } catch (RuntimeException e) {
                failure = e;
            }
            T value = result;
            RuntimeException error = loseResponse ? new LockUnavailableException("injected lost response") : failure;
            later(() -> {
                if (error != null) {
                    answer.completeExceptionally(error);
                } else {
                    answer.complete(value);
                }
            });
        });
        return answer;
    }

    private void later(Runnable task) {
        later(task, 0);
    }

    private void later(Runnable task, long extraNanos) {
        if (time == null) {
            task.run();
            return;
        }
        long min = faults.minLatency.toNanos();
        long max = faults.maxLatency.toNanos();
        long delay = max > min ? min + (long) (random.nextDouble() * (max - min)) : min;
        time.schedule(task, delay + extraNanos);
    }
}
