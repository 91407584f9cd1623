package dev.leasehold.micrometer;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StateChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters for one {@link LeaderElector}: it is both the {@link ElectorListener} that hears the elector
 * and the {@link MeterBinder} that publishes what it heard.
 *
 * <pre>{@code
 * ElectorMetrics metrics = ElectorMetrics.builder().build();
 * LeaderElector elector = LeaderElector.builder().lock(lock).listener(metrics).build();
 * metrics.attach(elector).bindTo(registry);
 * elector.start();
 * }</pre>
 *
 * <p>Meters (all tagged {@code lock}, by default the lock's description such as {@code Lease default/my-app}):
 * <ul>
 *   <li>{@value #LEADER} gauge: 1 while this candidate holds a valid term, else 0;</li>
 *   <li>{@value #LEASE_REMAINING} time gauge: time left on the current term before the renew deadline, measured
 *       from the start of its last successful acquire or renew; 0 when not leading;</li>
 *   <li>{@value #ACQUIRE}, {@value #RENEW}, {@value #RELEASE} timers, tag {@code outcome} = success, conflict,
 *       error or timeout;</li>
 *   <li>{@value #TRANSITIONS} counter: the times this candidate became leader;</li>
 *   <li>{@value #STEPDOWNS} counter, tag {@code reason} = deadline (the renew deadline passed), lost (the lock
 *       names someone else) or released (closed or resigned);</li>
 *   <li>{@value #TAKEOVER} timer: on each acquisition, from the instant this candidate could first take the lock
 *       (it saw a release, or the lease expired on its clock) to its successful write.</li>
 * </ul>
 * With {@link Builder#clientGoAliases(String)} it also publishes client-go's
 * {@code leader_election_master_status{name}} gauge and {@code leader_election_slowpath_total{name}} counter
 * (a renew that failed on the fast path and fell back to reading the lock), so dashboards built for Kubernetes
 * components work unchanged.
 *
 * <p>One instance per elector. It may be bound to several registries; {@link #close()} removes its meters
 * from all of them.
 */
public final class ElectorMetrics implements ElectorListener, MeterBinder, AutoCloseable {

    public static final String LEADER = "leasehold.elector.leader";
    public static final String LEASE_REMAINING = "leasehold.elector.lease.remaining";
    public static final String ACQUIRE = "leasehold.elector.acquire";
    public static final String RENEW = "leasehold.elector.renew";
    public static final String RELEASE = "leasehold.elector.release";
    public static final String TRANSITIONS = "leasehold.elector.transitions";
    public static final String STEPDOWNS = "leasehold.elector.stepdowns";
    public static final String TAKEOVER = "leasehold.elector.takeover.latency";
    /** client-go's gauge; Prometheus shows it as {@code leader_election_master_status}. */
    public static final String CLIENT_GO_MASTER_STATUS = "leader.election.master.status";
    /** client-go's counter; Prometheus shows it as {@code leader_election_slowpath_total}. */
    public static final String CLIENT_GO_SLOWPATH = "leader.election.slowpath";

    private final String lockOverride;
    private final String clientGoName;
    private final List<Bound> bound = new CopyOnWriteArrayList<>();
    private volatile LeaderElector elector;
    private volatile boolean leadingHeard;

    private ElectorMetrics(Builder builder) {
        this.lockOverride = builder.lock;
        this.clientGoName = builder.clientGoName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Gives the gauges the elector to read (leading, time left on the term); call before {@link #bindTo}.
     * Returns this, for chaining.
     */
    public ElectorMetrics attach(LeaderElector elector) {
        if (elector == null) {
            throw new IllegalArgumentException("elector must not be null");
        }
        if (this.elector != null && this.elector != elector) {
            throw new IllegalStateException("these metrics already serve " + this.elector
                    + "; make one ElectorMetrics per elector");
        }
        this.elector = elector;
        return this;
    }

    /** The value of the {@code lock} tag. */
    public String lockTag() {
        if (lockOverride != null) {
            return lockOverride;
        }
        LeaderElector e = elector;
        if (e == null) {
            throw new IllegalStateException("no lock tag yet: call attach(elector) first, or set Builder.lock(...)");
        }
        return e.config().lock().describe();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (elector == null) {
            throw new IllegalStateException("attach(elector) must be called before bindTo(registry): the gauges "
                    + "read the elector");
        }
        bound.add(new Bound(registry, Tags.of("lock", lockTag())));
    }

    @Override
    public void onTransition(StateChange change) {
        if (change.to() == ElectorState.LEADING) {
            leadingHeard = true;
            bound.forEach(b -> b.acquired(change.takeoverLatency()));
        } else if (change.from() == ElectorState.LEADING) {
            leadingHeard = false;
            String reason = stepDownReason(change.cause());
            bound.forEach(b -> b.steppedDown(reason));
        }
    }

    @Override
    public void onLockCall(LockCall call) {
        bound.forEach(b -> b.called(call));
    }

    /** Removes this binder's meters from every registry it was bound to. */
    @Override
    public void close() {
        bound.forEach(Bound::remove);
        bound.clear();
    }

    /** 1 while leading: read off the elector, so the gauge never lags the callbacks. */
    double leading() {
        LeaderElector e = elector;
        return (e != null ? e.isLeader() : leadingHeard) ? 1 : 0;
    }

    /** Seconds left on the current term before its renew deadline; 0 when not leading. */
    double leaseRemainingSeconds() {
        LeaderElector e = elector;
        Optional<Leadership> leadership = e == null ? Optional.empty() : e.leadership();
        return leadership.map(l -> l.validFor().toNanos() / 1e9).orElse(0.0);
    }

    static String stepDownReason(StateChange.Cause cause) {
        return switch (cause) {
            case RENEW_DEADLINE -> "deadline";
            case LOST -> "lost";
            case RESIGNED, CLOSED, STARTED, ACQUIRED -> "released";
        };
    }

    private static String tagValue(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The meters registered on one registry. */
    private final class Bound {
        private final MeterRegistry registry;
        private final Tags tags;
        private final List<Meter> meters = new ArrayList<>();
        private final Counter transitions;
        private final Timer takeover;
        private final Counter slowpath;

        Bound(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
            ElectorMetrics self = ElectorMetrics.this;
            meters.add(Gauge.builder(LEADER, self, ElectorMetrics::leading).tags(tags).strongReference(true)
                    .description("1 while this candidate holds a valid term of the lock, else 0").register(registry));
            meters.add(TimeGauge.builder(LEASE_REMAINING, self, TimeUnit.SECONDS,
                            ElectorMetrics::leaseRemainingSeconds).tags(tags).strongReference(true)
                    .description("time left on the current term before its renew deadline; 0 when not leading")
                    .register(registry));
            for (LockCall.Kind kind : LockCall.Kind.values()) {
                for (LockCall.Outcome outcome : LockCall.Outcome.values()) {
                    meters.add(timer(kind, outcome));
                }
            }
            transitions = add(Counter.builder(TRANSITIONS).tags(tags)
                    .description("times this candidate became leader").register(registry));
            for (String reason : List.of("deadline", "lost", "released")) {
                meters.add(stepdowns(reason));
            }
            takeover = add(Timer.builder(TAKEOVER).tags(tags)
                    .description("from the instant the lock could first be taken to this candidate's winning write")
                    .register(registry));
            if (clientGoName != null) {
                Tags name = Tags.of("name", clientGoName);
                meters.add(Gauge.builder(CLIENT_GO_MASTER_STATUS, self, ElectorMetrics::leading).tags(name)
                        .strongReference(true)
                        .description("client-go: 1 when this process leads the lease 'name', else 0")
                        .register(registry));
                slowpath = add(Counter.builder(CLIENT_GO_SLOWPATH).tags(name)
                        .description("client-go: renews that failed on the fast path and fell back to a read")
                        .register(registry));
            } else {
                slowpath = null;
            }
        }

        private <M extends Meter> M add(M meter) {
            meters.add(meter);
            return meter;
        }

        private Timer timer(LockCall.Kind kind, LockCall.Outcome outcome) {
            String name = switch (kind) {
                case ACQUIRE -> ACQUIRE;
                case RENEW -> RENEW;
                case RELEASE -> RELEASE;
            };
            return Timer.builder(name).tags(tags).tag("outcome", tagValue(outcome))
                    .description("lock calls that try to " + tagValue(kind) + " the lock, by outcome")
                    .register(registry);
        }

        private Counter stepdowns(String reason) {
            return Counter.builder(STEPDOWNS).tags(tags).tag("reason", reason)
                    .description("terms this candidate ended: deadline, lost or released").register(registry);
        }

        void acquired(Duration takeoverLatency) {
            transitions.increment();
            takeover.record(takeoverLatency);
        }

        void steppedDown(String reason) {
            stepdowns(reason).increment();
        }

        void called(LockCall call) {
            timer(call.kind(), call.outcome()).record(call.duration());
            if (slowpath != null && call.kind() == LockCall.Kind.RENEW
                    && call.outcome() != LockCall.Outcome.SUCCESS) {
                slowpath.increment();
            }
        }

        void remove() {
            meters.forEach(registry::remove);
        }
    }

    /** Options of {@link ElectorMetrics}. */
    public static final class Builder {
        private String lock;
        private String clientGoName;

        private Builder() {
        }

        /**
         * The value of the {@code lock} tag, e.g. {@code default/my-app}. Default: the lock's description, such as
         * {@code Lease default/my-app}.
         */
        public Builder lock(String lock) {
            this.lock = lock;
            return this;
        }

        /**
         * Also publishes client-go's {@code leader_election_master_status} and
         * {@code leader_election_slowpath_total} with tag {@code name} = {@code name} (client-go uses the lease's
         * name).
         */
        public Builder clientGoAliases(String name) {
            this.clientGoName = name;
            return this;
        }

        /** @throws IllegalArgumentException naming the parameter, the value and the rule it broke */
        public ElectorMetrics build() {
            if (lock != null && lock.isBlank()) {
                throw new IllegalArgumentException("lock must not be blank when set, was \"" + lock + "\"");
            }
            if (clientGoName != null && clientGoName.isBlank()) {
                throw new IllegalArgumentException("clientGoAliases name must not be blank, was \""
                        + clientGoName + "\"");
            }
            return new ElectorMetrics(this);
        }
    }
}
