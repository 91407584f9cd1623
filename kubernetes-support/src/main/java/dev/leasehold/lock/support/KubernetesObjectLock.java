package dev.leasehold.lock.support;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ResourceLock} on one named Kubernetes object, whatever its kind: reads with GET (404 = no lock),
 * creates with POST (an existing object is a conflict), updates with PUT carrying the expected
 * {@code resourceVersion} (a stale version is a conflict, never an overwrite), and watches the object by name.
 *
 * <p>An update starts from the object as last read at the expected version, so every other field, label,
 * annotation and data entry is written back unchanged; if that object is not at hand any more, it is read
 * again first (and a different version there is a conflict).
 *
 * <p>Subclasses say how the record sits in their kind of object. The lock talks through a bounded view of the
 * user's client and never closes that client.
 *
 * @param <T> the kind of object
 */
public abstract class KubernetesObjectLock<T extends HasMetadata> implements ResourceLock {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesObjectLock.class);

    private final LockSettings settings;
    private final Class<T> type;
    private final String description;
    private final ObjectRequests<T> requests;
    private final KubernetesClient watchClient;
    private final LockCalls calls;
    private final AtomicReference<T> lastSeen = new AtomicReference<>();
    private final AtomicReference<String> lastUnreadableReason = new AtomicReference<>();
    private final Set<AutoCloseable> watches = ConcurrentHashMap.newKeySet();

    protected KubernetesObjectLock(LockSettings settings, Class<T> type, String kind) {
        this.settings = settings;
        this.type = type;
        this.description = kind + " " + settings.namespace() + "/" + settings.name();
        this.requests = new ObjectRequests<>(LockCalls.sharedBoundedClient(settings.client(), settings.callTimeout()), type,
                settings.namespace(), settings.name(), settings.callTimeout());
        this.watchClient = settings.sharedWatch() ? null : LockCalls.sharedWatchClient(settings.client());
        this.calls = new LockCalls(description, settings.callTimeout());
    }

    /**
     * Reads the record held by {@code object}.
     *
     * @throws RecordFormatException when the object holds a record that cannot be read
     */
    protected abstract Optional<LeaderElectionRecord> readRecord(T object);

    /**
     * The object to write: {@code current} (null on create) with {@code record} in it and everything else
     * unchanged. Must not modify {@code current}.
     */
    protected abstract T writeRecord(T current, LeaderElectionRecord record, Instant now, LockSettings settings);

    @Override
    public final String identity() {
        return settings.identity();
    }

    @Override
    public final String describe() {
        return description;
    }

    @Override
    public final Duration durationGranularity() {
        return WholeSeconds.GRANULARITY;
    }

    /** The frozen settings of this lock. */
    public final LockSettings settings() {
        return settings;
    }

    private Resource<T> resource(KubernetesClient via) {
        return via.resources(type).inNamespace(settings.namespace()).withName(settings.name());
    }

    @Override
    public final CompletableFuture<Optional<LockSnapshot>> get() {
        return calls.start("get", () -> requests.get().thenApply(found -> found.map(this::seen)));
    }

    @Override
    public final CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
        T object;
        try {
            WholeSeconds.of("leaseDuration", record.leaseDuration());
            object = withAnnotations(writeRecord(null, record, Instant.now(), settings));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return calls.start("create", () -> requests.create(object).thenApply(this::seen));
    }

    @Override
    public final CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
        try {
            WholeSeconds.of("leaseDuration", record.leaseDuration());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return calls.start("update", () -> base(expected).thenCompose(base -> {
            T object = withAnnotations(writeRecord(base, record, Instant.now(), settings));
            object.getMetadata().setResourceVersion(expected.version());
            return requests.replace(object).exceptionallyCompose(failure -> {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof KubernetesClientException e && e.getCode() == 404) {
                    return CompletableFuture.failedFuture(new LockConflictException(description
                            + " was deleted since version " + expected.version(), e));
                }
                return CompletableFuture.failedFuture(cause);
            });
        }).thenApply(this::seen));
    }

    /** The object as last seen at {@code expected}'s version, read again when it is not at hand. */
    private CompletableFuture<T> base(LockSnapshot expected) {
        T base = lastSeen.get();
        if (base != null && expected.version().equals(base.getMetadata().getResourceVersion())) {
            return CompletableFuture.completedFuture(base);
        }
        return requests.get().thenApply(found -> {
            T current = found.orElseThrow(() -> new LockConflictException(description
                    + " was deleted since version " + expected.version()));
            if (!expected.version().equals(current.getMetadata().getResourceVersion())) {
                throw new LockConflictException(description + " is at version "
                        + current.getMetadata().getResourceVersion() + ", not " + expected.version());
            }
            return current;
        });
    }

    @Override
    public final Optional<Duration> callTimeout() {
        return Optional.of(settings.callTimeout());
    }

    /** Sets the annotations the user's supplier asks for on {@code object}, which this lock just built. */
    private T withAnnotations(T object) {
        Map<String, String> extra;
        try {
            extra = settings.annotations().get();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the annotations supplier of " + description + " failed: " + e, e);
        }
        if (extra == null || extra.isEmpty()) {
            return object;
        }
        Map<String, String> annotations = object.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(object.getMetadata().getAnnotations());
        extra.forEach((key, value) -> {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("the annotations supplier of " + description
                        + " returned a blank key or a null value: " + key + "=" + value);
            }
            if (key.equals(AnnotationRecordCodec.ANNOTATION)) {
                throw new IllegalArgumentException("the annotations supplier of " + description
                        + " must not set " + key + ": it holds the leader record");
            }
            annotations.put(key, value);
        });
        object.getMetadata().setAnnotations(annotations);
        return object;
    }

    @Override
    public final Optional<AutoCloseable> watch(LockListener listener) {
        Objects.requireNonNull(listener, "listener");
        AutoCloseable handle;
        if (settings.sharedWatch()) {
            handle = NamespaceWatch.register(settings.client(), type, settings.namespace(), settings.name(),
                    settings.callTimeout(), this::seen, this::get, listener);
        } else {
            ObjectWatch<T> own = new ObjectWatch<>(description, resource(watchClient), this::seen, this::get,
                    listener, calls);
            own.start();
            handle = own;
        }
        watches.add(handle);
        return Optional.of(() -> {
            if (watches.remove(handle)) {
                handle.close();
            }
        });
    }

    /** Remembers {@code object} as the latest seen and converts it to a snapshot. */
    private LockSnapshot seen(T object) {
        String version = object.getMetadata().getResourceVersion();
        lastSeen.set(object);
        try {
            LockSnapshot snapshot = readRecord(object).map(r -> LockSnapshot.of(r, version))
                    .orElseGet(() -> LockSnapshot.empty(version));
            lastUnreadableReason.set(null);
            return snapshot;
        } catch (RecordFormatException e) {
            String reason = "unreadable leader record on " + description + ": " + e.getMessage();
            // once per distinct reason: a broken writer that keeps renewing must not flood the log
            if (!reason.equals(lastUnreadableReason.getAndSet(reason))) {
                LOG.error("{} (treated as held by an unknown holder)", reason);
            } else {
                LOG.debug("{} (version {})", reason, version);
            }
            return LockSnapshot.unreadable(version, reason);
        }
    }

    /** Stops this lock's watches. The client passed in stays open: it belongs to the caller. */
    @Override
    public void close() {
        for (AutoCloseable watch : watches) {
            if (watches.remove(watch)) {
                try {
                    watch.close();
                } catch (Exception e) {
                    LOG.warn("closing a watch of {} failed", description, e);
                }
            }
        }
        lastSeen.set(null);
    }
}
