package dev.leasehold.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events (core v1, as client-go's recorder writes them) on one object, typically a lock: the
 * elector's {@link ElectorEvents}, and any component that wants {@code kubectl describe} to tell its story
 * (the PostgreSQL agent: failover, fence, switchover, rejoin).
 *
 * <p>{@link #record(String, String, EventType)} never blocks and never throws for API trouble: it takes a token
 * from a rate limiter (default: a burst of 25, then one every 5 minutes, as client-go's spam filter), puts the
 * Event in a bounded queue (default 64) and returns; a background task writes queued Events one at a time. An
 * Event that finds no token or no room is dropped and counted. A failed write (e.g. 403 without RBAC for
 * events) is logged once at WARN with the reason and then at DEBUG until a write succeeds again; it never
 * reaches the caller.
 *
 * <p>RBAC: {@code create} on {@code events} (core group) in the object's namespace, and {@code get} on the
 * object itself (to name its uid, which {@code kubectl describe} matches on; an elector already has it).
 */
public final class EventRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    private static final Pattern REASON = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,127}");
    private static final int MAX_MESSAGE = 1024;

    private static final ThreadPoolExecutor SHARED = sharedPool();

    private record Pending(String reason, String message, EventType type, Instant at, long seq) { }

    private final KubernetesClient client;
    private final String kind;
    private final String apiVersion;
    private final String namespace;
    private final String name;
    private final Function<KubernetesClient, Optional<HasMetadata>> lookup;
    private final String component;
    private final String instance;
    private final BlockingQueue<Pending> queue;
    private final TokenBucket limiter;
    private final Executor executor;
    private final Duration closeTimeout;
    private final Object idle = new Object();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;

    private EventRecorder(Builder b) {
        this.client = b.client;
        this.kind = b.kind;
        this.apiVersion = b.apiVersion;
        this.namespace = b.namespace;
        this.name = b.name;
        this.lookup = b.lookup;
        this.component = b.component;
        this.instance = b.instance;
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        this.limiter = new TokenBucket(b.burst, b.refill, b.nanoTime);
        this.executor = b.executor != null ? b.executor : SHARED;
        this.closeTimeout = b.closeTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Queues an Event on the object and returns at once.
     *
     * @param reason a short UpperCamelCase word, e.g. {@code LeaderElection}, {@code Failover}
     * @param message what happened, for people (cut at 1024 characters)
     * @return true if queued; false if dropped by the rate limit, a full queue or a closed recorder
     * @throws IllegalArgumentException when the reason is not 1 to 128 letters and digits starting with a letter,
     *     or the message or type is missing: these are programming errors, not API trouble
     */
    public boolean record(String reason, String message, EventType type) {
        if (reason == null || !REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("reason must be 1 to 128 letters and digits starting with a letter "
                    + "(UpperCamelCase, e.g. LeaderElection), was " + (reason == null ? "null" : "\"" + reason + "\""));
        }
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("message must not be blank (reason " + reason + ")");
        }
        if (type == null) {
            throw new IllegalArgumentException("type must not be null (reason " + reason + ")");
        }
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        if (closed || !limiter.tryTake()
                || !queue.offer(new Pending(reason, text, type, Instant.now(), sequence.incrementAndGet()))) {
            dropped.incrementAndGet();
            log.debug("{}: event dropped (rate limit, full queue or closed): {} {}", describe(), reason, text);
            return false;
        }
        if (draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException e) {
                draining.set(false);
                log.warn("{}: cannot schedule event writes: {}", describe(), e.toString());
            }
        }
        return true;
    }

    /** Events written to the API server so far. */
    public long recorded() {
        return recorded.get();
    }

    /** Events dropped by the rate limit, a full queue or a closed recorder. */
    public long dropped() {
        return dropped.get();
    }

    /** Events the API server refused or did not answer. */
    public long failed() {
        return failed.get();
    }

    /** The object's kind, namespace and name, e.g. {@code Lease default/my-app}. */
    public String describe() {
        return kind + " " + namespace + "/" + name;
    }

    /**
     * Takes no more Events and waits, at most the close timeout (default 2 s), for those queued to be written, so
     * that a last Event (e.g. stopped leading) lands before the application closes its client. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        synchronized (idle) {
            long left;
            while ((draining.get() || !queue.isEmpty()) && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(idle, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (!queue.isEmpty()) {
            log.debug("{}: closed with {} Events not yet written", describe(), queue.size());
        }
    }

    private void drain() {
        do {
            try {
                Pending next;
                while ((next = queue.poll()) != null) {
                    write(next);
                }
            } finally {
                draining.set(false);
            }
            // an Event queued after the last poll but before the flag dropped would wait for the next record()
        } while (!queue.isEmpty() && draining.compareAndSet(false, true));
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    private void write(Pending pending) {
        try {
            client.v1().events().inNamespace(namespace).resource(event(pending)).create();
            recorded.incrementAndGet();
            if (failing.compareAndSet(true, false)) {
                log.info("{}: events are recorded again", describe());
            }
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            String why = e instanceof KubernetesClientException k && k.getCode() == 403
                    ? "403 Forbidden: grant create on events in namespace " + namespace
                    : e.toString();
            if (failing.compareAndSet(false, true)) {
                log.warn("{}: cannot record event {} ({}); further failures are logged at DEBUG until one succeeds",
                        describe(), pending.reason(), why);
            } else {
                log.debug("{}: cannot record event {} ({})", describe(), pending.reason(), why);
            }
        }
    }

    private Event event(Pending p) {
        ObjectReferenceBuilder ref = new ObjectReferenceBuilder().withKind(kind).withApiVersion(apiVersion)
                .withNamespace(namespace).withName(name);
        involved().ifPresent(object -> ref.withUid(object.getMetadata().getUid())
                .withResourceVersion(object.getMetadata().getResourceVersion()));
        String at = p.at().truncatedTo(ChronoUnit.SECONDS).toString();
        // as client-go: the object's name and a unique hex suffix; here the wall-clock nanos and a sequence
        long nanos = p.at().getEpochSecond() * 1_000_000_000L + p.at().getNano();
        return new EventBuilder()
                .withNewMetadata().withNamespace(namespace)
                .withName(name + "." + Long.toHexString(nanos) + Long.toHexString(p.seq())).endMetadata()
                .withInvolvedObject(ref.build())
                .withReason(p.reason()).withMessage(p.message()).withType(p.type().value())
                .withNewSource().withComponent(component).withHost(instance).endSource()
                .withReportingComponent(component).withReportingInstance(instance)
                .withFirstTimestamp(at).withLastTimestamp(at).withCount(1)
                .build();
    }

    private Optional<HasMetadata> involved() {
        try {
            return lookup.apply(client);
        } catch (RuntimeException e) {
            log.debug("{}: cannot read the object for its uid: {}", describe(), e.toString());
            return Optional.empty();
        }
    }

    private static ThreadPoolExecutor sharedPool() {
        AtomicLong count = new AtomicLong();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread t = new Thread(task, "leasehold-events-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Settings of an {@link EventRecorder}, checked at {@link #build()}. */
    public static final class Builder {
        private KubernetesClient client;
        private String kind;
        private String apiVersion;
        private String namespace;
        private String name;
        private Function<KubernetesClient, Optional<HasMetadata>> lookup;
        private String component = "leasehold";
        private String instance = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown");
        private int queueCapacity = 64;
        private int burst = 25;
        private Duration refill = Duration.ofMinutes(5);
        private Executor executor;
        private LongSupplier nanoTime = System::nanoTime;
        private Duration closeTimeout = Duration.ofSeconds(2);

        private Builder() {
        }

        /** The client to write through; it stays yours to close. */
        public Builder client(KubernetesClient client) {
            this.client = client;
            return this;
        }

        /** Events go on the Lease {@code namespace/name}. */
        public Builder lease(String namespace, String name) {
            return object("Lease", "coordination.k8s.io/v1", namespace, name,
                    c -> Optional.ofNullable(c.leases().inNamespace(namespace).withName(name).get()));
        }

        /** Events go on the ConfigMap {@code namespace/name}. */
        public Builder configMap(String namespace, String name) {
            return object("ConfigMap", "v1", namespace, name,
                    c -> Optional.ofNullable(c.configMaps().inNamespace(namespace).withName(name).get()));
        }

        /** Events go on the Endpoints {@code namespace/name}. */
        public Builder endpoints(String namespace, String name) {
            return object("Endpoints", "v1", namespace, name,
                    c -> Optional.ofNullable(c.endpoints().inNamespace(namespace).withName(name).get()));
        }

        private Builder object(String kind, String apiVersion, String namespace, String name,
                Function<KubernetesClient, Optional<? extends HasMetadata>> lookup) {
            this.kind = kind;
            this.apiVersion = apiVersion;
            this.namespace = namespace;
            this.name = name;
            this.lookup = c -> lookup.apply(c).map(HasMetadata.class::cast);
            return this;
        }

        /** The Event's source and reporting component, e.g. your application's name. Default {@code leasehold}. */
        public Builder component(String component) {
            this.component = component;
            return this;
        }

        /** The reporting instance and source host, e.g. the pod name. Default: {@code $HOSTNAME}. */
        public Builder instance(String instance) {
            this.instance = instance;
            return this;
        }

        /** How many Events may wait to be written; more are dropped. Default 64. */
        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        /** At most {@code burst} Events at once, then one per {@code refill}. Default 25 and 5 minutes. */
        public Builder rateLimit(int burst, Duration refill) {
            this.burst = burst;
            this.refill = refill;
            return this;
        }

        /** Where Events are written. Default: two shared daemon threads that end when idle. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** How long {@link #close()} waits for queued Events to be written. Default 2 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** The rate limiter's clock, for tests. */
        Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            return this;
        }

        /** @throws IllegalArgumentException naming the parameter, the value and the rule it broke */
        public EventRecorder build() {
            require(client != null, "client must be set");
            require(kind != null, "the object must be set: lease(namespace, name), configMap(...) or endpoints(...)");
            require(namespace != null && !namespace.isBlank(), "namespace must not be blank, was " + quote(namespace));
            require(name != null && !name.isBlank(), "name must not be blank, was " + quote(name));
            require(component != null && !component.isBlank(), "component must not be blank, was " + quote(component));
            require(instance != null && !instance.isBlank(), "instance must not be blank, was " + quote(instance));
            require(queueCapacity > 0, "queueCapacity must be positive, was " + queueCapacity);
            require(burst > 0, "rateLimit burst must be positive, was " + burst);
            require(refill != null && !refill.isNegative() && !refill.isZero(),
                    "rateLimit refill must be positive, was " + refill);
            require(closeTimeout != null && !closeTimeout.isNegative(),
                    "closeTimeout must be zero or positive, was " + closeTimeout);
            return new EventRecorder(this);
        }

        private static String quote(String s) {
            return s == null ? "null" : "\"" + s + "\"";
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
