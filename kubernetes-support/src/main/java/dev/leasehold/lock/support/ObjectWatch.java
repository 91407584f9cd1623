package dev.leasehold.lock.support;

import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.Watchable;
import io.fabric8.kubernetes.client.dsl.internal.BaseOperation;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one object by name and feeds a {@link LockListener}; re-establishes the watch after errors, closure
 * and 410 Gone, with jittered exponential backoff (200 ms doubling to 5 s).
 *
 * <p>The resource must come from a {@link LockCalls#watchClient watch client}, whose fabric8 watch gives up at
 * the first interruption instead of reconnecting silently: only then can the listener learn that the watch is
 * down (and the elector poll meanwhile). After each (re-)establishment the object is read once and delivered,
 * so that a change made while the watch was down is not missed.
 */
public final class ObjectWatch<T extends HasMetadata> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ObjectWatch.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String object;
    private final Watchable<T> resource;
    private final WatchSink<T> sink;
    private final LockCalls calls;

    private final Object monitor = new Object();
    private Watch current;
    private int generation;
    private boolean closed;
    private Duration backoff = FIRST_BACKOFF;
    private long establishedAtNanos;

    /**
     * Watches one object and feeds {@code listener}: after each (re-)establishment {@code watchUp}, then the object
     * as {@code read} finds it.
     *
     * @param object the object's description for logs
     * @param resource the object, from a watch client
     * @param toSnapshot converts a watched object to a snapshot
     * @param read reads the object (bounded), to resynchronise after each (re-)establishment
     * @param listener receives the notifications
     * @param calls bounds the time it may take to establish the watch
     */
    public ObjectWatch(String object, Resource<T> resource, Function<T, LockSnapshot> toSnapshot,
            Supplier<CompletableFuture<Optional<LockSnapshot>>> read, LockListener listener, LockCalls calls) {
        this(object, resource, new SingleObject<>(object, toSnapshot, read, listener), calls);
    }

    /**
     * Watches whatever {@code watchable} selects (one object, or all of a kind in a namespace) and feeds
     * {@code sink}.
     */
    ObjectWatch(String object, Watchable<T> watchable, WatchSink<T> sink, LockCalls calls) {
        this.object = object;
        this.resource = watchable;
        this.sink = sink;
        this.calls = calls;
    }

    /** Starts watching in the background. */
    public ObjectWatch<T> start() {
        LockCalls.watchPool().execute(this::connect);
        return this;
    }

    private void connect() {
        int myGeneration;
        synchronized (monitor) {
            if (closed) {
                return;
            }
            myGeneration = ++generation;
        }
        Events events = new Events(myGeneration);
        CompletableFuture<Watch> started;
        if (resource instanceof BaseOperation<?, ?, ?> operation) {
            // fabric8's asynchronous start: no thread waits for a silent API server
            @SuppressWarnings("unchecked")
            BaseOperation<T, ?, ?> typed = (BaseOperation<T, ?, ?>) operation;
            CompletableFuture<? extends Watch> submitted;
            try {
                submitted = typed.submitWatch(new ListOptions(), events);
            } catch (RuntimeException e) {
                submitted = CompletableFuture.failedFuture(e);
            }
            // a watch that comes up after its attempt was given up is closed at once
            submitted.thenAccept(watch -> {
                if (!adopt(myGeneration, watch)) {
                    watch.close();
                }
            });
            started = calls.bound("watch", submitted.thenApply(watch -> (Watch) watch));
        } else {
            // fabric8 blocks until the watch is established, for ever if the API server does not answer: bound it
            started = calls.runWatchSetup(() -> {
                Watch watch = resource.watch(events);
                if (!adopt(myGeneration, watch)) {
                    watch.close();
                }
                return watch;
            });
        }
        started.whenComplete((watch, failure) -> {
            if (failure != null) {
                LOG.debug("watch on {} could not be established: {}", object, failure.toString());
                lost(myGeneration, failure);
            } else if (isCurrent(myGeneration)) {
                established(myGeneration);
            }
        });
    }

    private boolean adopt(int myGeneration, Watch watch) {
        synchronized (monitor) {
            if (closed || myGeneration != generation) {
                return false;
            }
            current = watch;
            establishedAtNanos = System.nanoTime();
            return true;
        }
    }

    private void established(int myGeneration) {
        LOG.debug("watch on {} established", object);
        safely(() -> sink.up(() -> isCurrent(myGeneration)));
    }

    private boolean isCurrent(int myGeneration) {
        synchronized (monitor) {
            return !closed && myGeneration == generation;
        }
    }

    private void lost(int myGeneration, Throwable cause) {
        Duration delay;
        Watch stale = null;
        synchronized (monitor) {
            if (closed || myGeneration != generation) {
                return;
            }
            generation++;
            if (current != null) {
                stale = current;
                // a watch that stayed up a while was healthy: start backing off afresh; one that failed at once
                // (a server that accepts and then ends every watch) keeps backing off further
                if (System.nanoTime() - establishedAtNanos > MAX_BACKOFF.toNanos()) {
                    backoff = FIRST_BACKOFF;
                }
            }
            current = null;
            delay = backoff;
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        if (stale != null) {
            stale.close();
        }
        safely(() -> sink.down(cause));
        long jittered = delay.toMillis() / 2 + ThreadLocalRandom.current().nextLong(delay.toMillis() / 2 + 1);
        CompletableFuture.delayedExecutor(jittered, TimeUnit.MILLISECONDS, LockCalls.watchPool()).execute(this::connect);
    }

    private void safely(Runnable notification) {
        try {
            notification.run();
        } catch (RuntimeException e) {
            LOG.warn("lock listener of {} failed", object, e);
        }
    }

    @Override
    public void close() {
        Watch watch;
        synchronized (monitor) {
            if (closed) {
                return;
            }
            closed = true;
            watch = current;
            current = null;
        }
        if (watch != null) {
            watch.close();
        }
    }

    private final class Events implements Watcher<T> {
        private final int myGeneration;

        Events(int myGeneration) {
            this.myGeneration = myGeneration;
        }

        @Override
        public void eventReceived(Action action, T resource) {
            if (!isCurrent(myGeneration)) {
                return;
            }
            switch (action) {
                case ADDED, MODIFIED -> safely(() -> sink.changed(resource));
                case DELETED -> safely(() -> sink.deleted(resource));
                default -> LOG.debug("watch on {}: {} event ignored", object, action);
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            LOG.debug("watch on {} lost: {}", object, cause.toString());
            lost(myGeneration, cause);
        }

        @Override
        public void onClose() {
            // a normal close happens only when we closed the watch ourselves
            synchronized (monitor) {
                if (closed || myGeneration != generation) {
                    return;
                }
            }
            lost(myGeneration, new IllegalStateException("watch on " + object + " closed by the server"));
        }
    }

    /** Where a watch's news goes. */
    interface WatchSink<T> {
        /**
         * The watch was (re-)established: resynchronise. {@code live} stays true while this establishment is the
         * current one (not closed, not replaced); what a resynchronising read answers later is dropped once it is
         * false, so a closed lock hears nothing more.
         */
        void up(BooleanSupplier live);

        void changed(T object);

        void deleted(T object);

        void down(Throwable cause);
    }

    /** One object's watch feeding one lock listener, reading the object after each (re-)establishment. */
    private record SingleObject<T>(String object, Function<T, LockSnapshot> toSnapshot,
            Supplier<CompletableFuture<Optional<LockSnapshot>>> read, LockListener listener) implements WatchSink<T> {

        @Override
        public void up(BooleanSupplier live) {
            listener.watchUp();
            read.get().whenComplete((snapshot, failure) -> {
                if (failure == null && live.getAsBoolean()) {
                    try {
                        if (snapshot.isPresent()) {
                            listener.changed(snapshot.get());
                        } else {
                            listener.deleted();
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("lock listener of {} failed", object, e);
                    }
                }
            });
        }

        @Override
        public void changed(T changed) {
            listener.changed(toSnapshot.apply(changed));
        }

        @Override
        public void deleted(T deleted) {
            listener.deleted();
        }

        @Override
        public void down(Throwable cause) {
            listener.watchDown(cause);
        }
    }
}
