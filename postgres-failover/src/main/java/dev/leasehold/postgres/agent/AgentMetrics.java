package dev.leasehold.postgres.agent;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StateChange;
import dev.leasehold.micrometer.ElectorMetrics;
import dev.leasehold.postgres.Identifiers;
import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PostgresStatus;
import dev.leasehold.postgres.ReplicationConnection;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of a PostgreSQL agent, and of the elector it competes with (leasehold-micrometer's
 * {@link ElectorMetrics}, tagged {@code lock} = namespace/cluster). Meter names and tags are listed in the
 * module README. Use it as the agent's listener, then {@link #attach(Agent)}:
 *
 * <pre>{@code
 * AgentMetrics metrics = AgentMetrics.prometheus();          // or new AgentMetrics() and bindTo(yourRegistry)
 * Agent agent = Agent.start(config, metrics);
 * metrics.attach(agent);                                     // gauges read it; GET /metrics serves the scrape
 * }</pre>
 *
 * The gauges read the agent's last probe (never PostgreSQL at scrape time); per-standby meters
 * ({@code leasehold.agent.replication.lag}, {@code leasehold.agent.synchronous}) follow the primary's
 * {@code pg_stat_replication} and are refreshed on every {@link #scrape()} and {@link #refresh()}.
 * The elector's counters restart after the agent releases the Lease (it competes with a new elector then).
 */
public final class AgentMetrics implements AgentListener, MeterBinder, AutoCloseable {
    public static final String ROLE = "leasehold.agent.role";
    public static final String TIMELINE = "leasehold.agent.timeline";
    public static final String WAL_POSITION = "leasehold.agent.wal.position";
    public static final String REPLICATION_LAG = "leasehold.agent.replication.lag";
    public static final String SYNCHRONOUS = "leasehold.agent.synchronous";
    public static final String FENCES = "leasehold.agent.fence";
    public static final String PROMOTIONS = "leasehold.agent.promotions";
    public static final String SWITCHOVERS = "leasehold.agent.switchover";
    public static final String REJOINS = "leasehold.agent.rejoins";
    public static final String FAILSAFE_KEPT = "leasehold.agent.failsafe.kept";
    public static final String FAILSAFE_PROMISE = "leasehold.agent.failsafe.promise";

    private final List<Bound> bound = new CopyOnWriteArrayList<>();
    private final PrometheusMeterRegistry prometheus;
    private volatile Agent agent;
    private volatile ElectorMetrics elector;
    private volatile LeaderElector currentElector;

    /** Meters to {@link #bindTo} registries of your own. */
    public AgentMetrics() {
        this(null);
    }

    private AgentMetrics(PrometheusMeterRegistry prometheus) {
        this.prometheus = prometheus;
        if (prometheus != null) {
            bindTo(prometheus);
        }
    }

    /** Meters bound to a Prometheus registry of their own, which the agent's {@code GET /metrics} serves. */
    public static AgentMetrics prometheus() {
        return new AgentMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private double seconds(java.util.function.Function<Agent, java.time.Duration> of) {
        Agent a = agent;
        return a == null ? Double.NaN : of.apply(a).toNanos() / 1e9;
    }

    /** Lets the gauges read {@code a}, and, with {@link #prometheus()}, serves {@code GET /metrics}. */
    public AgentMetrics attach(Agent a) {
        if (agent != null && agent != a) {
            throw new IllegalStateException("these metrics already serve agent " + agent.name());
        }
        agent = a;
        if (prometheus != null) {
            a.serveMetrics(this::scrape);
        }
        refresh();
        return this;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Bound b = new Bound(registry);
        bound.add(b);
        ElectorMetrics e = elector;
        if (e != null) {
            e.bindTo(registry);
        }
    }

    /** The Prometheus text of the registry {@link #prometheus()} made. */
    public String scrape() {
        if (prometheus == null) {
            throw new IllegalStateException("no registry of its own: made with new AgentMetrics(), not prometheus()");
        }
        refresh();
        return prometheus.scrape();
    }

    /** Updates the per-standby meters from the agent's last probe. */
    public void refresh() {
        List<ReplicationConnection> replicas = status().map(PostgresStatus::replicas).orElse(List.of());
        Agent a = agent;
        java.util.Map<String, String> members = new java.util.HashMap<>();
        if (a != null) {
            a.members().keySet().forEach(m -> members.put(Identifiers.slotNameFor(m), m));
        }
        // the standby's application_name is its slot name; tag it with the member's name where known
        Function<ReplicationConnection, Tags> tags = c -> Tags.of("standby",
                members.getOrDefault(c.applicationName(), c.applicationName()));
        bound.forEach(b -> b.standbys(replicas, tags));
    }

    // ------------------------------------------------------------------ the agent's listener

    @Override
    public void onPromoted(long term, String reason) {
        bound.forEach(b -> b.counter(PROMOTIONS, "reason", reason, "changes of primary to this member").increment());
    }

    @Override
    public void onFenced(Duration took, String reason) {
        bound.forEach(b -> b.fences.record(took));
    }

    @Override
    public void onRejoined(String result) {
        bound.forEach(b -> b.rejoins.increment());
    }

    @Override
    public void onSwitchover(String from, String to, Duration took) {
        bound.forEach(b -> b.switchovers.record(took));
    }

    @Override
    public Optional<ElectorListener> electorListener() {
        return Optional.of(new ElectorListener() {
            @Override
            public void onTransition(StateChange change) {
                ElectorMetrics e = elector;
                if (e != null) {
                    e.onTransition(change);
                }
            }

            @Override
            public void onLockCall(LockCall call) {
                ElectorMetrics e = elector;
                if (e != null) {
                    e.onLockCall(call);
                }
            }
        });
    }

    @Override
    public synchronized void onElector(LeaderElector next) {
        if (next == currentElector) {
            return;
        }
        ElectorMetrics old = elector;
        if (old != null) {
            old.close();
        }
        ElectorMetrics e = ElectorMetrics.builder().build().attach(next);
        bound.forEach(b -> e.bindTo(b.registry));
        currentElector = next;
        elector = e;
    }

    @Override
    public synchronized void close() {
        ElectorMetrics e = elector;
        if (e != null) {
            e.close();
        }
        bound.forEach(Bound::remove);
        bound.clear();
    }

    // ------------------------------------------------------------------ what the gauges read

    private Optional<MemberStatus> own() {
        Agent a = agent;
        return a == null ? Optional.empty() : a.ownStatus();
    }

    private Optional<PostgresStatus> status() {
        Agent a = agent;
        return a == null ? Optional.empty() : a.postgresStatus();
    }

    private double role(Role r) {
        return own().map(s -> s.role() == r ? 1.0 : 0.0).orElse(Double.NaN);
    }

    private static double lsn(Optional<Lsn> l) {
        return l.map(v -> (double) v.value()).orElse(Double.NaN);
    }

    /** The meters on one registry. */
    private final class Bound {
        private final MeterRegistry registry;
        private final List<io.micrometer.core.instrument.Meter> meters = new CopyOnWriteArrayList<>();
        private final Timer fences;
        private final Timer switchovers;
        private final Counter rejoins;
        private final MultiGauge lag;
        private final MultiGauge synchronous;

        Bound(MeterRegistry registry) {
            this.registry = registry;
            for (Role r : Role.values()) {
                gauge(ROLE, Tags.of("role", r.name().toLowerCase(Locale.ROOT)), s -> s.role(r),
                        "1 for the role this member's PostgreSQL has now, 0 for the others");
            }
            gauge(TIMELINE, Tags.empty(), s -> s.own().map(m -> (double) m.timeline()).orElse(Double.NaN),
                    "the timeline this member's PostgreSQL writes or replays");
            gauge(WAL_POSITION, Tags.of("kind", "current"), s -> lsn(s.status().flatMap(PostgresStatus::currentLsn)),
                    "WAL position as a byte offset: current (primary), received and replayed (standby)");
            gauge(WAL_POSITION, Tags.of("kind", "received"), s -> lsn(s.status().flatMap(PostgresStatus::receiveLsn)),
                    "WAL position as a byte offset: current (primary), received and replayed (standby)");
            gauge(WAL_POSITION, Tags.of("kind", "replayed"), s -> lsn(s.status().flatMap(PostgresStatus::replayLsn)),
                    "WAL position as a byte offset: current (primary), received and replayed (standby)");
            gauge(FAILSAFE_KEPT, Tags.empty(), s -> s.seconds(Agent::failsafeRemaining),
                    "seconds this primary stays writable on its members' failsafe confirmations alone (0: none)");
            gauge(FAILSAFE_PROMISE, Tags.empty(), s -> s.seconds(a -> a.failsafePromise()
                    .map(AcquireBarrier.Promise::left).orElse(java.time.Duration.ZERO)),
                    "seconds left on this member's failsafe promise not to take over (0: none)");
            fences = add(Timer.builder(FENCES).description("fences of this member's PostgreSQL and their time")
                    .register(registry));
            switchovers = add(Timer.builder(SWITCHOVERS).description("planned handovers from this member, and "
                    + "their time").register(registry));
            rejoins = add(Counter.builder(REJOINS).description("times this member rejoined as a standby (rewound "
                    + "or re-cloned)").register(registry));
            for (String reason : List.of("bootstrap", "failover", "switchover")) {
                counter(PROMOTIONS, "reason", reason, "changes of primary to this member");
            }
            lag = MultiGauge.builder(REPLICATION_LAG).baseUnit("bytes")
                    .description("on the primary: each standby's replay lag in bytes (pg_stat_replication)")
                    .register(registry);
            synchronous = MultiGauge.builder(SYNCHRONOUS)
                    .description("on the primary: 1 for each standby it counts as synchronous now, 0 for the others")
                    .register(registry);
        }

        private void gauge(String name, Tags tags, ToDoubleFunction<AgentMetrics> f, String description) {
            meters.add(Gauge.builder(name, AgentMetrics.this, f).tags(tags).strongReference(true)
                    .description(description).register(registry));
        }

        private <M extends io.micrometer.core.instrument.Meter> M add(M m) {
            meters.add(m);
            return m;
        }

        Counter counter(String name, String tag, String value, String description) {
            return add(Counter.builder(name).tag(tag, value).description(description).register(registry));
        }

        void standbys(List<ReplicationConnection> replicas, Function<ReplicationConnection, Tags> tags) {
            lag.register(replicas.stream().map(c -> MultiGauge.Row.of(tags.apply(c), c.lagBytes())).toList(), true);
            synchronous.register(replicas.stream()
                    .map(c -> MultiGauge.Row.of(tags.apply(c), c.synchronous() ? 1 : 0)).toList(), true);
        }

        void remove() {
            lag.register(List.of(), true);
            synchronous.register(List.of(), true);
            meters.forEach(registry::remove);
        }
    }
}
