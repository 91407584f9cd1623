package dev.leasehold.postgres.agent;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL failover agent of one member: competes for the cluster's Lease, and keeps its PostgreSQL in
 * line with the answer of {@link Decider}: the holder is the one writable primary, the others follow it.
 *
 * <p>Three threads of its own: the loop (every {@code loopInterval}: sample PostgreSQL, read the cluster view,
 * decide, act, publish), the watchdog (every 20 ms: a writable server whose term is no longer valid, or is about
 * to end, is fenced at once, whatever the loop is doing), and the publisher (pod patches and events, bounded,
 * never blocking the other two). The elector runs on the shared scheduler.
 *
 * <p>This class wires the parts and runs the loop; the effects live in them: {@link Steps} (a decision's step on
 * PostgreSQL), {@link Leading} (promotion and the holder's upkeep), {@link ClusterBootstrap} (initdb),
 * {@link Watchdog} (fencing), {@link Handovers} (switchovers), {@link FailsafeRounds} and {@link FailsafePromises}
 * (the two sides of the API-server outage failsafe), {@link LeaseAnnotations} and {@link StatusBeat} (what the
 * Lease and the pod carry).
 *
 * <pre>{@code
 * try (Agent agent = Agent.start(AgentConfig.builder().member(pg).client(client).cluster("pg").build())) {
 *     ...
 * }
 * }</pre>
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    /** The agent's version, published with every status. */
    public static final String VERSION = "0.1.0";

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final ClusterView view;
    private final PodPublisher publisher;
    private final LocalProbe probe;
    private final ScheduledExecutorService loop;
    private final AtomicReference<LeaderElector> elector = new AtomicReference<>();
    private final Object fenceLock = new Object();
    private final AgentState state = new AgentState();
    private final AgentHttp http;
    private final AgentListener listener;
    private final HistoryKeeper history;
    private final Following following;
    private final StatusBeat beat;
    private final LeaseAnnotations annotations;
    private final FailsafeRounds failsafe;
    private final FailsafePromises promises;
    private final Watchdog watchdog;
    private final Leading leading;
    private final Steps steps;
    private final Handovers handovers;
    private volatile boolean abandoned;
    private volatile java.util.function.Supplier<String> metricsText;
    private volatile Decision lastDecision;
    private volatile long lastTickEndNanos = System.nanoTime();
    private String failoverBlocked;

    private Agent(AgentConfig config, AgentListener listener) {
        this.config = config;
        this.listener = listener;
        this.history = new HistoryKeeper(config.name());
        this.pg = config.member();
        this.name = config.name();
        if (pg.config().dataDir().isEmpty()) {
            throw new IllegalArgumentException("member " + name + " needs a dataDir: the agent runs beside its server");
        }
        this.view = new ClusterView(config.client(), config.namespace(), config.cluster(), name, System::nanoTime);
        this.publisher = new PodPublisher(config.client(), config.namespace(), name, config.roleLabels(),
                callTimeout());
        this.probe = new LocalProbe(config, System::nanoTime, this::memberAt, this::agentPort);
        this.loop = Executors.newSingleThreadScheduledExecutor(daemon("leasehold-agent-" + name));
        HandoverRequests requests = new HandoverRequests(name);
        this.following = new Following(pg, config, fenceLock);
        SyncKeeper sync = config.synchronous().map(m -> new SyncKeeper(name, m)).orElse(null);
        this.beat = new StatusBeat(probe, publisher, state, config.statusInterval());
        this.annotations = new LeaseAnnotations(config, view, history, requests, sync, state);
        this.failsafe = new FailsafeRounds(config, state, view);
        this.promises = new FailsafePromises(config, state, view);
        this.watchdog = new Watchdog(config, fenceLock, state, failsafe, publisher, listener);
        this.leading = new Leading(config, state, view, sync, history, listener, publisher, beat, annotations,
                promises);
        this.steps = new Steps(config, state, view, leading,
                new ClusterBootstrap(config, state, view, beat, annotations, leading), watchdog, following, listener,
                publisher, elector::get);
        this.handovers = new Handovers(config, state, view, requests, publisher, listener, this::switchoverHost,
                () -> loop.execute(this::tickSafely));
        this.http = config.httpPort() >= 0 ? new AgentHttp(this, config.httpPort()) : null;
    }

    /** Builds the agent from {@code config} and starts it. */
    public static Agent start(AgentConfig config) {
        return start(config, AgentListener.NONE);
    }

    /** Builds the agent from {@code config} and starts it, telling {@code listener} what it does. */
    public static Agent start(AgentConfig config, AgentListener listener) {
        Agent agent = new Agent(config, java.util.Objects.requireNonNull(listener, "listener"));
        try {
            agent.begin();
            return agent;
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    private void begin() {
        LOG.info("{}: agent {} starting for cluster {} in namespace {} (lease {}/{}/{}, guard {})", name, VERSION,
                config.cluster(), config.namespace(), config.leaseDuration(), config.renewDeadline(),
                config.retryPeriod(), config.guard() ? "on" : "off");
        watchdog.start(config.guard() ? stopOrphanAndLeash() : null, this::newLeash);
        loop.scheduleWithFixedDelay(this::tickSafely, 0, config.loopInterval().toNanos(), TimeUnit.NANOSECONDS);
        failsafe.start(httpPort());
        LeaderElector first = newElector();
        elector.set(first);
        first.start();
    }

    /**
     * A restarted agent's first act: a server left running on this data directory that may be writable (no
     * {@code standby.signal}: a primary, or one being promoted) has no term behind it, so it is stopped at once,
     * every process, before anything else; a standby is left running and put on the leash.
     */
    private dev.leasehold.postgres.leash.Leash stopOrphanAndLeash() {
        java.nio.file.Path data = pg.config().dataDir().orElseThrow();
        try (dev.leasehold.postgres.leash.ServerStop stop = new dev.leasehold.postgres.leash.ServerStop(data)) {
            if (stop.postmaster().isPresent() && !stop.standbySignalled()) {
                stop.stopNow().ifPresent(killed -> {
                    LOG.info("{}: PostgreSQL was running, not as a standby, with no term behind it: stopped at once"
                            + " ({})", name, killed);
                    publisher.event("Fenced", "a server left running writable was stopped when the agent started");
                });
            }
        }
        return newLeash();
    }

    private dev.leasehold.postgres.leash.Leash newLeash() {
        long standbyLeash = System.nanoTime() + config.leaseDuration().multipliedBy(2).toNanos();
        dev.leasehold.postgres.leash.Leash l = dev.leasehold.postgres.leash.Leash.start(
                pg.config().dataDir().orElseThrow(), standbyLeash, config.operationTimeout(), this::guardStopped);
        LOG.info("{}: guard process {} holds PostgreSQL on its leash", name, l.pid());
        return l;
    }

    private void guardStopped(String what) {
        LOG.info("{}: the guard stopped PostgreSQL: {}", name, what);
        publisher.event("Fenced", "the guard stopped the server: " + what);
    }

    private Duration callTimeout() {
        Duration third = config.renewDeadline().dividedBy(3);
        return third.compareTo(Duration.ofSeconds(2)) < 0 ? third : Duration.ofSeconds(2);
    }

    private LeaderElector newElector() {
        LeaseLock lock = LeaseLock.builder().client(config.client()).namespace(config.namespace())
                .name(config.cluster()).identity(name).callTimeout(callTimeout())
                .annotations(annotations::forWrite).build();
        dev.leasehold.core.LeaderElectorBuilder b = LeaderElector.builder();
        listener.electorListener().ifPresent(b::listener);
        LeaderElector built = b
                .lock(new GatedLock(lock, () -> state.gate, () -> abandoned, this::successorRefusal,
                        promises.barrier()))
                .leaseDuration(config.leaseDuration()).renewDeadline(config.renewDeadline())
                .retryPeriod(config.retryPeriod()).maxClockDrift(config.maxClockDrift()).callTimeout(callTimeout())
                .releaseOnClose(true)
                .onStartedLeading(l -> {
                    watchdog.startedLeading(l); // sets state.leadership, under the lock the leash is kept with
                    state.lastTerm = l.term();
                    if (!state.closed.get()) {
                        try {
                            loop.execute(this::tickSafely); // act on the new term now, not at the next tick
                        } catch (java.util.concurrent.RejectedExecutionException e) {
                            LOG.debug("{}: loop stopped; not acting on term {}", name, l.term());
                        }
                    }
                })
                .onStoppedLeading(() -> {
                    state.leadership = null;
                    watchdog.watch();
                })
                .build();
        listener.onElector(built);
        return built;
    }

    /** Whether this member may take a release that names it as successor: a healthy standby, not nofailover. */
    private Optional<String> successorRefusal() {
        MemberStatus s = state.own;
        if (s != null && s.healthyReplica() && !s.noFailover() && state.switchingTo == null) {
            return Optional.empty();
        }
        return Optional.of(state.gate.refusal().orElse("not a healthy standby that may take over"));
    }

    // ------------------------------------------------------------------ loop

    private void tickSafely() {
        if (state.closed.get()) {
            return;
        }
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("{}: agent loop step failed: {}", name, e.toString());
        } finally {
            lastTickEndNanos = System.nanoTime();
        }
    }

    private void tick() {
        // read before the sample: a position sampled after this member saw the Lease free is one the old
        // primary's server (stopped by its guard before any member can see its lease expire) cannot move
        ClusterView.VersionedLease sampledAfter = view.versionedLease();
        MemberStatus s = beat.sample().withFreeLease(sampledAfter.lease().held() || sampledAfter.version().isEmpty()
                ? Optional.empty() : Optional.of(sampledAfter.version()));
        state.own = s;
        if (s.role() == Role.PRIMARY) {
            state.pgWritable = true;
        }
        following.sampled(s);
        Leadership l = state.leadership;
        Optional<Snapshot.Term> term = l == null ? Optional.empty()
                : Optional.of(new Snapshot.Term(l.term(), l.isValid(), l.validFor()));
        ClusterView.VersionedLease seen = view.versionedLease();
        LeaseView lease = seen.lease();
        annotations.update(s, l, lease);
        Decision d = Decider.decide(new Snapshot(s, probe.unhealthyFor(), term, lease, view.others(),
                failsafeRemaining(), promises.running().map(AcquireBarrier.Promise::primary)), config.rules());
        String switching = state.switchingTo;
        state.gate = new GatedLock.Gate(switching != null ? Optional.of("handing over to " + switching)
                : d.mayAcquire() ? Optional.empty() : Optional.of(d.reason()), Optional.of(seen.version()));
        Decision before = lastDecision;
        // no member may promote: say why, once per reason, from the moment the Lease is free (a decision made
        // while the dead primary's Lease was still held does not change when it expires)
        String blocked = !d.mayAcquire() && !lease.held() && d.reason().contains("synchronous mode:") ? d.reason()
                : null;
        if (before == null || before.step() != d.step() || before.mayAcquire() != d.mayAcquire()
                || !before.target().equals(d.target())) {
            if (d.step() == Step.REFUSE) {
                LOG.error("{}: {}", name, d.reason());
            } else if (blocked == null) {
                LOG.info("{}: {} (may acquire: {}): {}", name, d.step(), d.mayAcquire(), d.reason());
            }
        }
        if (blocked != null && !blocked.equals(failoverBlocked)) {
            LOG.warn("{}: may not take over: {}", name, blocked);
            publisher.event("FailoverBlocked", blocked);
        }
        failoverBlocked = blocked;
        lastDecision = d;
        if (switching != null) {
            beat.publishIfDue(state.own); // the switchover drives PostgreSQL until it ends
            return;
        }
        steps.act(d, s, l);
        if (l != null && l.isValid() && s.role() == Role.PRIMARY) {
            handovers.handOverIfAsked(l);
        }
        beat.publishIfDue(state.own);
    }

    // ------------------------------------------------------------------ failsafe

    /** How much longer every member's confirmation keeps this primary writable without a term; zero: none. */
    Duration failsafeRemaining() {
        return failsafe.remaining();
    }

    /** The promise this member gave a primary under failsafe, while it runs. */
    Optional<AcquireBarrier.Promise> failsafePromise() {
        return promises.running();
    }

    /** A primary under failsafe asks this member to promise not to take over; see {@link FailsafePromises#confirm}. */
    FailsafePromises.Answer confirmFailsafe(String primary, long term, Duration window) {
        return promises.confirm(primary, term, window);
    }

    private int agentPort() {
        AgentHttp h = http;
        return h == null ? 0 : h.port();
    }

    // ------------------------------------------------------------------ switchover

    /**
     * Hands the primary role over to {@code to} (or the best standby) with no acknowledged commit lost and no
     * rewind; see {@link Switchover}. Returns once the target holds the Lease and accepts writes.
     *
     * @throws SwitchoverException when this member is not the primary, the target is unknown or cannot take over,
     *     or the handover did not finish within {@code timeout}
     */
    public SwitchoverResult switchover(Optional<String> to, Duration timeout) {
        return handovers.switchover(to, timeout);
    }

    /** The member whose last rejoin this was, and how it went (rewind, re-clone or neither). */
    public Optional<dev.leasehold.postgres.Rewind.Result> lastRejoin() {
        return steps.lastRejoin();
    }

    private Switchover.Host switchoverHost() {
        return new Switchover.Host(name, () -> isWritablePrimary() ? leadership() : Optional.empty(), this::leader,
                config.rules().statusTtl(), watchdog::fence, pg.config().dataDir().orElseThrow(), following::reach,
                successor -> {
                    annotations.update(state.own, state.leadership, view.lease()); // the release carries the successor
                    // no backoff: the stopped server keeps the gate shut until it streams from the successor, and
                    // a backoff would keep this member from taking a handover back soon after
                    return elector.get().resign(Duration.ZERO, successor);
                }, view, this::streamsFromHere);
    }

    /** Whether this member's server streams WAL to {@code member} now ({@code pg_stat_replication}, asked now). */
    private boolean streamsFromHere(String member) {
        String app = dev.leasehold.postgres.Identifiers.slotNameFor(member);
        return pg.status().replicas().stream()
                .anyMatch(r -> r.applicationName().equals(app) && "streaming".equals(r.state()));
    }

    private Optional<String> memberAt(String host, int port) {
        return view.others().values().stream().map(Observed::status)
                .filter(o -> o.port() == port && o.host().equals(host)).map(MemberStatus::name).findFirst();
    }

    // ------------------------------------------------------------------ what the HTTP endpoints read

    /** The member's name. */
    public String name() {
        return name;
    }

    public AgentConfig config() {
        return config;
    }

    /** The HTTP port, when the endpoints run. */
    public Optional<Integer> httpPort() {
        return http == null ? Optional.empty() : Optional.of(http.port());
    }

    /** The current term, while it is valid. */
    public Optional<Leadership> leadership() {
        Leadership l = state.leadership;
        return l != null && l.isValid() ? Optional.of(l) : Optional.empty();
    }

    /** This member's last sampled status. */
    public Optional<MemberStatus> ownStatus() {
        return Optional.ofNullable(state.own);
    }

    /** The last probe of this member's PostgreSQL, in full. */
    public Optional<dev.leasehold.postgres.PostgresStatus> postgresStatus() {
        return probe.lastStatus();
    }

    /** What {@code GET /metrics} serves (Prometheus text); set by {@link AgentMetrics#attach}. */
    void serveMetrics(java.util.function.Supplier<String> text) {
        metricsText = text;
    }

    Optional<String> metricsText() {
        java.util.function.Supplier<String> t = metricsText;
        return t == null ? Optional.empty() : Optional.of(t.get());
    }

    /** The last decision and its reason. */
    public Optional<Decision> lastDecision() {
        return Optional.ofNullable(lastDecision);
    }

    /**
     * Whether this member holds a valid term (or, renews failing, every member's failsafe confirmation) and its
     * server is the writable primary (not fenced).
     */
    public boolean isWritablePrimary() {
        MemberStatus s = state.own;
        return (leadership().isPresent() || !failsafeRemaining().isZero()) && state.pgWritable && !state.stopping
                && s != null && s.role() == Role.PRIMARY && s.healthy();
    }

    /** Whether commits are held because renews fail. */
    public boolean commitsHeld() {
        return state.holding;
    }

    /** The Lease as this agent sees it. */
    public LeaseView lease() {
        return view.lease();
    }

    /** The other members' statuses as last read. */
    public Map<String, Observed> members() {
        return view.others();
    }

    /** Whether the loop ran within {@code bound}: false means it is stuck and a probe should restart us. */
    public boolean loopAlive(Duration bound) {
        return System.nanoTime() - lastTickEndNanos <= bound.toNanos();
    }

    /** The holder this agent's elector last saw. */
    public Optional<String> leader() {
        LeaderElector e = elector.get();
        return e == null ? Optional.empty() : e.currentLeader();
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Stops the agent: the elector is closed (a holder fences its server first, then releases the Lease), the
     * loop, watchdog, publisher and HTTP stop. The server of a member that does not lead keeps running as it is.
     */
    @Override
    public void close() {
        if (!state.closed.compareAndSet(false, true)) {
            return;
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (state.pgWritable && pg.isRunning()) {
            watchdog.fence("agent closing");
        }
        LeaderElector e = elector.get();
        if (e != null) {
            e.close();
        }
        watchdog.endLeash(false);
        stopParts();
        LOG.info("{}: agent stopped", name);
    }

    /**
     * Stops the agent as SIGTERM asks (a pod deleted, a rolling update, a node drain): a primary first hands over
     * to the best standby, within {@code switchoverTimeout} (if it cannot, it fences and releases as
     * {@link #close()} does); a standby's PostgreSQL is stopped fast. Then {@link #close()}.
     */
    public void shutdown() {
        if (state.closed.get()) {
            return;
        }
        if (isWritablePrimary()) {
            try {
                switchover(Optional.empty(), config.switchoverTimeout());
            } catch (SwitchoverException e) {
                LOG.warn("{}: no switchover before shutting down ({}): fencing and releasing", name, e.getMessage());
            }
        }
        close();
        if (pg.isRunning()) {
            synchronized (fenceLock) {
                LOG.info("{}: shutting down: stopping PostgreSQL ({})", name, pg.fence(config.fenceTimeout()));
            }
        }
    }

    /**
     * Stops the agent the way a crash would, for tests and benchmarks: nothing is fenced and the Lease is not
     * released; the elector stops renewing and the server keeps running until someone stops it.
     */
    public void abandon() {
        if (!state.closed.compareAndSet(false, true)) {
            return;
        }
        abandoned = true; // every lock write fails from now on, the release included
        loop.shutdownNow();
        watchdog.endLeash(true); // as the JVM's death would: the guard stops the server
        LeaderElector e = elector.get();
        if (e != null) {
            e.closeAsync();
        }
        stopParts();
        LOG.info("{}: agent abandoned (no fence, no release)", name);
    }

    private void stopParts() {
        watchdog.close();
        failsafe.close();
        promises.close();
        leading.close();
        if (http != null) {
            http.close();
        }
        publisher.close();
        probe.close();
        view.close();
    }

    static java.util.concurrent.ThreadFactory daemon(String threadName) {
        return r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        };
    }
}
