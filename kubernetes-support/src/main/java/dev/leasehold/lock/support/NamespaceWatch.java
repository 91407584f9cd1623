package dev.leasehold.lock.support;

import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch on every object of a kind in a namespace, shared by all the locks of that kind and namespace that
 * talk through the same client and ask for it ({@code sharedWatch(true)}): informer-style, one connection and one
 * event stream instead of one per lock. Events are dispatched by object name; a lock that registers while the
 * watch is up is told at once and reads its object. The watch starts with the first registration and ends with
 * the last one.
 *
 * <p>It needs {@code list} and {@code watch} on the kind in the namespace without {@code resourceNames}.
 *
 * @param <T> the kind of object
 */
final class NamespaceWatch<T extends HasMetadata> implements ObjectWatch.WatchSink<T> {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceWatch.class);
    private static final Map<Key, NamespaceWatch<?>> SHARED = new ConcurrentHashMap<>();

    /** Who shares: the user's client (by identity), the kind and the namespace. */
    private record Key(Object client, Class<?> type, String namespace) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && k.client == client && k.type == type && k.namespace.equals(namespace);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(client) * 31 * 31 + type.hashCode() * 31 + namespace.hashCode();
        }
    }

    /** One lock's interest: its object's name, how it reads and converts it, and its listener. */
    private record Registration<T>(String name, Function<T, LockSnapshot> toSnapshot,
            Supplier<CompletableFuture<Optional<LockSnapshot>>> read, LockListener listener) {
    }

    private final Key key;
    private final ObjectWatch<T> watch;
    private final Map<String, List<Registration<T>>> byName = new ConcurrentHashMap<>();
    private int registrations;
    private volatile boolean up;

    private NamespaceWatch(Key key, KubernetesClient userClient, Class<T> type, String namespace,
            Duration callTimeout) {
        this.key = key;
        String description = "every " + type.getSimpleName() + " in " + namespace;
        this.watch = new ObjectWatch<>(description,
                LockCalls.sharedWatchClient(userClient).resources(type).inNamespace(namespace), this,
                new LockCalls(description, callTimeout));
    }

    /**
     * Registers {@code listener} for the object {@code name}, starting the shared watch if it is the first; the
     * returned handle unregisters (and stops the watch after the last).
     */
    static <T extends HasMetadata> AutoCloseable register(KubernetesClient userClient, Class<T> type, String namespace,
            String name, Duration callTimeout, Function<T, LockSnapshot> toSnapshot,
            Supplier<CompletableFuture<Optional<LockSnapshot>>> read, LockListener listener) {
        Key key = new Key(userClient, type, namespace);
        Registration<T> registration = new Registration<>(name, toSnapshot, read, listener);
        while (true) {
            @SuppressWarnings("unchecked")
            NamespaceWatch<T> shared = (NamespaceWatch<T>) SHARED.computeIfAbsent(key,
                    k -> new NamespaceWatch<>(k, userClient, type, namespace, callTimeout));
            if (shared.add(registration)) {
                return () -> shared.remove(registration);
            }
            // it was just closed by its last user: make a new one
            SHARED.remove(key, shared);
        }
    }

    private boolean add(Registration<T> registration) {
        boolean start;
        synchronized (this) {
            if (registrations < 0) {
                return false;
            }
            start = registrations++ == 0;
            byName.computeIfAbsent(registration.name(), n -> new CopyOnWriteArrayList<>()).add(registration);
        }
        if (start) {
            watch.start();
        } else if (up) {
            resynchronise(registration, () -> true);
        }
        return true;
    }

    private synchronized boolean registered(Registration<T> registration) {
        List<Registration<T>> same = byName.get(registration.name());
        return same != null && same.contains(registration);
    }

    private void remove(Registration<T> registration) {
        boolean last;
        synchronized (this) {
            List<Registration<T>> same = byName.get(registration.name());
            if (same == null || !same.remove(registration)) {
                return;
            }
            if (same.isEmpty()) {
                byName.remove(registration.name());
            }
            last = --registrations == 0;
            if (last) {
                registrations = -1; // closed: a late registration makes a new shared watch
            }
        }
        if (last) {
            SHARED.remove(key, this);
            watch.close();
        }
    }

    private void resynchronise(Registration<T> registration, BooleanSupplier live) {
        registration.listener().watchUp();
        registration.read().get().whenComplete((snapshot, failure) -> {
            // an answer that arrives after the lock closed (or the shared watch went down) is dropped
            if (failure == null && live.getAsBoolean() && registered(registration)) {
                try {
                    if (snapshot.isPresent()) {
                        registration.listener().changed(snapshot.get());
                    } else {
                        registration.listener().deleted();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("lock listener of {} failed", registration.name(), e);
                }
            }
        });
    }

    private void each(Iterable<Registration<T>> registrations, java.util.function.Consumer<Registration<T>> action) {
        for (Registration<T> registration : registrations) {
            try {
                action.accept(registration);
            } catch (RuntimeException e) {
                LOG.warn("lock listener of {} failed", registration.name(), e);
            }
        }
    }

    private Iterable<Registration<T>> all() {
        return byName.values().stream().flatMap(List::stream).toList();
    }

    @Override
    public void up(BooleanSupplier live) {
        up = true;
        each(all(), registration -> resynchronise(registration, live));
    }

    @Override
    public void changed(T object) {
        each(byName.getOrDefault(object.getMetadata().getName(), List.of()),
                r -> r.listener().changed(r.toSnapshot().apply(object)));
    }

    @Override
    public void deleted(T object) {
        each(byName.getOrDefault(object.getMetadata().getName(), List.of()), r -> r.listener().deleted());
    }

    @Override
    public void down(Throwable cause) {
        up = false;
        each(all(), r -> r.listener().watchDown(cause));
    }
}
