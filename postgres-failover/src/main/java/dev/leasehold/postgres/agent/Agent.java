package dev.leasehold.postgres.agent;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.postgres.Fence;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.SlotKeeper;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(20);
    private static final Duration STEP_BACKOFF = Duration.ofSeconds(1);

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final ClusterView view;
    private final PodPublisher publisher;
    private final LocalProbe probe;
    private final SlotKeeper slots;
    private final ScheduledExecutorService loop;
    private final ScheduledExecutorService watchdog;
    private final java.util.concurrent.ExecutorService maintenance;
    private java.util.concurrent.Future<?> slotWork;
    private final AtomicReference<LeaderElector> elector = new AtomicReference<>();
    private final Object fenceLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AgentHttp http;
    private final AgentListener listener;
    private final HistoryKeeper history;
    private volatile boolean abandoned;
    private volatile java.util.function.Supplier<String> metricsText;

    private volatile Leadership leadership;
    private volatile Optional<String> gateRefusal = Optional.of("starting");
    private volatile Map<String, String> leaseAnnotations = Map.of();
    private volatile boolean pgWritable;
    private volatile MemberStatus own;
    private volatile Decision lastDecision;
    private volatile long lastTickEndNanos = System.nanoTime();
    private volatile boolean holding;
    private volatile String switchingTo;
    private volatile dev.leasehold.postgres.Rewind.Result lastRejoin;
    private final Object switchLock = new Object();
    private final HandoverRequests requests;
    private final Following following;
    private final SyncKeeper sync;
    private final AcquireBarrier barrier = new AcquireBarrier(System::nanoTime);
    private final Failsafe failsafe;
    private final ScheduledExecutorService failsafeRounds;
    private final java.util.concurrent.ExecutorService apiProbe;
    private java.util.concurrent.Future<?> apiProbeInFlight;
    private final Object failsafeLock = new Object();
    private volatile long lastTerm;
    private volatile boolean servedTerm; // this member was the primary of a valid term and is not fenced since
    private long lastRoundNanos;
    private boolean lastRoundConfirmed;
    private boolean failsafeKept;

    private long heartbeat;
    private long lastPublishNanos;
    private MemberStatus lastPublished;
    private long termAnnounced = -1;
    private long termSynced = -1;
    private long lastSlotsNanos;
    private Step failedStep;
    private long retryStepAtNanos;
    private String lastFailure = "";
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
        this.slots = new SlotKeeper(config.leaseDuration().multipliedBy(30), System::nanoTime);
        this.loop = Executors.newSingleThreadScheduledExecutor(daemon("leasehold-agent-" + name));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("leasehold-agent-watchdog-" + name));
        this.maintenance = Executors.newSingleThreadExecutor(daemon("leasehold-agent-slots-" + name));
        this.requests = new HandoverRequests(name);
        this.following = new Following(pg, config, fenceLock);
        this.sync = config.synchronous().map(m -> new SyncKeeper(name, m)).orElse(null);
        this.failsafe = config.failsafe().isPresent() ? new Failsafe(name, config, System::nanoTime) : null;
        this.failsafeRounds = failsafe == null ? null
                : Executors.newSingleThreadScheduledExecutor(daemon("leasehold-agent-failsafe-" + name));
        this.apiProbe = Executors.newSingleThreadExecutor(daemon("leasehold-agent-apiprobe-" + name));
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
        LOG.info("{}: agent {} starting for cluster {} in namespace {} (lease {}/{}/{})", name, VERSION,
                config.cluster(), config.namespace(), config.leaseDuration(), config.renewDeadline(),
                config.retryPeriod());
        watchdog.scheduleWithFixedDelay(this::watch, 0, WATCHDOG_PERIOD.toNanos(), TimeUnit.NANOSECONDS);
        loop.scheduleWithFixedDelay(this::tickSafely, 0, config.loopInterval().toNanos(), TimeUnit.NANOSECONDS);
        if (failsafeRounds != null) {
            if (http != null) {
                failsafeRounds.execute(() -> failsafe.warmUp(http.port()));
            }
            long every = config.retryPeriod().toNanos() / 4;
            failsafeRounds.scheduleWithFixedDelay(this::failsafeTick, every, every, TimeUnit.NANOSECONDS);
        }
        LeaderElector first = newElector();
        elector.set(first);
        first.start();
    }

    private Duration callTimeout() {
        Duration third = config.renewDeadline().dividedBy(3);
        return third.compareTo(Duration.ofSeconds(2)) < 0 ? third : Duration.ofSeconds(2);
    }

    /** Called by the lock at the start of each of its writes: the cached annotations; never touches PostgreSQL. */
    private Map<String, String> annotationsForWrite() {
        return leaseAnnotations;
    }

    private LeaderElector newElector() {
        LeaseLock lock = LeaseLock.builder().client(config.client()).namespace(config.namespace())
                .name(config.cluster()).identity(name).callTimeout(callTimeout())
                .annotations(this::annotationsForWrite).build();
        dev.leasehold.core.LeaderElectorBuilder b = LeaderElector.builder();
        listener.electorListener().ifPresent(b::listener);
        LeaderElector built = b
                .lock(new GatedLock(lock, () -> gateRefusal, () -> abandoned, this::successorRefusal, barrier))
                .leaseDuration(config.leaseDuration()).renewDeadline(config.renewDeadline())
                .retryPeriod(config.retryPeriod()).maxClockDrift(config.maxClockDrift()).callTimeout(callTimeout())
                .releaseOnClose(true)
                .onStartedLeading(l -> {
                    leadership = l;
                    lastTerm = l.term();
                    if (!closed.get()) {
                        try {
                            loop.execute(this::tickSafely); // act on the new term now, not at the next tick
                        } catch (java.util.concurrent.RejectedExecutionException e) {
                            LOG.debug("{}: loop stopped; not acting on term {}", name, l.term());
                        }
                    }
                })
                .onStoppedLeading(() -> {
                    leadership = null;
                    watch();
                })
                .build();
        listener.onElector(built);
        return built;
    }

    /** Whether this member may take a release that names it as successor: a healthy standby, not nofailover. */
    private Optional<String> successorRefusal() {
        MemberStatus s = own;
        if (s != null && s.healthyReplica() && !s.noFailover() && switchingTo == null) {
            return Optional.empty();
        }
        return Optional.of(gateRefusal.orElse("not a healthy standby that may take over"));
    }

    // ------------------------------------------------------------------ watchdog

    /** Fences a writable server whose term is gone or about to end. Runs every 20 ms and on stopped-leading. */
    private void watch() {
        if (!pgWritable || closed.get()) {
            return;
        }
        Leadership l = leadership;
        Duration safe = failsafeRemaining();
        if (!safe.isZero() && safe.compareTo(config.rules().fenceBelow()) > 0) {
            return; // every member confirmed it will not take over (failsafe), for longer than the fence needs
        }
        if (l == null || !l.isValid()) {
            fence(l == null ? "writable without a term" + (failsafe == null ? "" : " or failsafe confirmations")
                    : "term " + l.term() + " is no longer valid");
        } else if (!config.rules().fenceBelow().isZero()
                && l.validFor().compareTo(config.rules().fenceBelow()) <= 0) {
            fence("term " + l.term() + " has " + l.validFor() + " left, below fenceBelow "
                    + config.rules().fenceBelow());
        }
    }

    private void fence(String why) {
        long start = System.nanoTime();
        synchronized (fenceLock) {
            if (!pg.isRunning()) {
                pgWritable = false;
                return;
            }
            Fence.Result r = pg.fence(config.fenceTimeout());
            pgWritable = false;
            servedTerm = false;
            if (failsafe != null) {
                failsafe.clear();
            }
            holding = false;
            LOG.info("{}: fenced PostgreSQL ({}): {}", name, r, why);
        }
        publisher.event("Fenced", why);
        listener.onFenced(Duration.ofNanos(System.nanoTime() - start), why);
    }

    // ------------------------------------------------------------------ loop

    private void tickSafely() {
        if (closed.get()) {
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
        MemberStatus s = probe.sample(heartbeat);
        own = s;
        if (s.role() == Role.PRIMARY) {
            pgWritable = true;
        }
        following.sampled(s);
        Leadership l = leadership;
        Optional<Snapshot.Term> term = l == null ? Optional.empty()
                : Optional.of(new Snapshot.Term(l.term(), l.isValid(), l.validFor()));
        LeaseView lease = view.lease();
        updateLeaseAnnotations(s, l, lease);
        Decision d = Decider.decide(new Snapshot(s, probe.unhealthyFor(), term, lease, view.others(),
                failsafeRemaining(), barrier.running().map(AcquireBarrier.Promise::primary)), config.rules());
        String switching = switchingTo;
        gateRefusal = switching != null ? Optional.of("handing over to " + switching)
                : d.mayAcquire() ? Optional.empty() : Optional.of(d.reason());
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
            publishIfDue(own); // the switchover drives PostgreSQL until it ends
            return;
        }
        act(d, s, l);
        if (l != null && l.isValid() && s.role() == Role.PRIMARY) {
            handOverIfAsked(l);
        }
        publishIfDue(own);
    }

    private void updateLeaseAnnotations(MemberStatus s, Leadership l, LeaseView lease) {
        Map<String, String> a = new HashMap<>();
        if (s.systemId().isPresent() && (lease.systemId().isEmpty() || lease.systemId().equals(s.systemId()))) {
            a.put(ClusterView.SYSTEM_ID, s.systemId().get());
        }
        if (l != null && l.isValid() && s.role() == Role.PRIMARY && s.position().isPresent()) {
            a.put(ClusterView.TIMELINE, Integer.toString(s.timeline()));
            a.put(ClusterView.POSITION, s.position().get().toString());
        }
        history.carry(l != null && l.isValid() ? l.term() : -1, a);
        // the release of a switchover names the target; a holder's renews clear a name served before
        String switching = switchingTo;
        boolean holds = l != null && l.isValid();
        if (switching != null || holds) {
            a.put(ClusterView.SUCCESSOR, switching == null ? "" : switching);
            String request = view.switchoverRequest();
            if (requests.handled(request)) {
                a.put(ClusterView.SWITCHOVER_REQUEST, ""); // acted on once: cleared with the next write
            }
        }
        if (holds) { // the members the failsafe asks; "" clears a list an earlier failsafe-enabled primary wrote
            a.put(ClusterView.MEMBERS, failsafe == null ? ""
                    : new MemberList(knownMembers(), config.failsafe().get().offListAfter()).write());
        }
        if (holds && sync != null) {
            sync.toPublish().ifPresent(set -> a.put(SyncSet.ANNOTATION, set.write()));
        }
        leaseAnnotations = Map.copyOf(a);
    }

    private void act(Decision d, MemberStatus s, Leadership l) {
        if (d.step() != Step.HOLD_COMMITS && holding && s.role() == Role.PRIMARY) {
            attempt(Step.HOLD_COMMITS, () -> holdCommits(false));
        }
        if (d.step() == failedStep && System.nanoTime() - retryStepAtNanos < 0) {
            return;
        }
        switch (d.step()) {
            case NONE -> {
                // a term that ended between the elector's deadline and its stopped-leading callback is not led
                // on (the failsafe may keep the server writable then, but nothing changes under it)
                if (l != null && l.isValid() && s.role() == Role.PRIMARY) {
                    leadingPrimary(l, s);
                }
            }
            case PROMOTE -> attempt(Step.PROMOTE, () -> promote(l));
            case INITDB -> attempt(Step.INITDB, () -> bootstrap(l));
            case HOLD_COMMITS -> {
                if (!holding) {
                    attempt(Step.HOLD_COMMITS, () -> holdCommits(true));
                }
            }
            case FENCE -> {
                if (pgWritable || s.role() == Role.PRIMARY) {
                    fence(d.reason());
                }
            }
            case RESTART -> attempt(Step.RESTART, () -> pg.start(config.operationTimeout()));
            case RELEASE -> release(d.reason());
            case FOLLOW -> upstream(d).ifPresent(u -> attempt(Step.FOLLOW,
                    () -> following.follow(d.target().get(), u)));
            case REJOIN -> upstream(d).ifPresent(u -> attempt(Step.REJOIN, () -> {
                lastRejoin = pg.rejoin(u, config.operationTimeout());
                LOG.info("{}: rejoined {}: {} ({})", name, d.target().get(), lastRejoin.outcome(),
                        lastRejoin.reason());
                listener.onRejoined(lastRejoin.outcome().toString());
            }));
            case CLONE -> upstream(d).ifPresent(u -> attempt(Step.CLONE, () -> {
                pg.cloneFrom(u, config.operationTimeout());
                pg.start(config.operationTimeout());
                listener.onRejoined("re-cloned from " + u.name());
            }));
            case START_STANDBY -> attempt(Step.START_STANDBY, () -> pg.startAsStandby(config.operationTimeout()));
            case REFUSE -> { }
            default -> throw new IllegalStateException("unknown step " + d.step());
        }
    }

    private void attempt(Step step, Runnable work) {
        try {
            work.run();
            if (step == failedStep) {
                failedStep = null;
                lastFailure = "";
            }
        } catch (RuntimeException e) {
            failedStep = step;
            retryStepAtNanos = System.nanoTime() + STEP_BACKOFF.toNanos();
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!message.equals(lastFailure)) {
                LOG.warn("{}: {} failed, retrying in {}: {}", name, step, STEP_BACKOFF, message);
                lastFailure = message;
            }
        }
    }

    private void promote(Leadership l) {
        synchronized (failsafeLock) { // atomic with the failsafe confirmations this member gives
            Optional<AcquireBarrier.Promise> promised = barrier.running();
            if (promised.isPresent()) {
                throw new IllegalStateException("promised " + promised.get().primary() + " (failsafe) not to take"
                        + " over for " + promised.get().left() + " more: promoting after");
            }
            pgWritable = true; // from the first moment the server may accept writes, the watchdog guards it
        }
        if (l == null || !l.isValid()) {
            return;
        }
        // a hold left in postgresql.auto.conf by an earlier term of this member (fenced while holding) would
        // make every commit of the new term wait forever: clear it first (ALTER SYSTEM works on a standby)
        if (CommitHold.clearLeftover(pg)) {
            LOG.info("{}: cleared a commit hold left by an earlier term", name);
        }
        if (sync != null) {
            sync.reset(pg, view.lease().syncSet()); // synchronous mode: commits wait until the set is in place
            termSynced = l.term();
        }
        PostgresInstance.PromoteResult r = pg.promote(config.operationTimeout());
        MemberStatus s = probe.sample(heartbeat);
        own = s;
        updateLeaseAnnotations(s, l, view.lease());
        LOG.info("{}: promoted for term {}: timeline {} -> {} at {}", name, l.term(), r.previousTimeline(),
                r.timeline(), r.lsn());
        leadingPrimary(l, s);
    }

    /**
     * The holder of a term, with no data while no member has any and the Lease records no cluster, makes the
     * cluster: initdb (crash safe, see {@link dev.leasehold.postgres.Bootstrap}), start as the primary, check a
     * committed write, then lead (the system identifier goes to the Lease with the next renew).
     */
    private void bootstrap(Leadership l) {
        if (l == null || !l.isValid()) {
            return;
        }
        Optional<String> recorded = view.lease().systemId();
        if (recorded.isPresent()) { // the Decider says so too; checked again here, where it is acted on
            throw new IllegalStateException("the Lease records cluster " + recorded.get()
                    + ": a member without data clones, it never runs initdb");
        }
        dev.leasehold.postgres.Bootstrap.Result r = pg.initdb(config.bootstrap(), config.operationTimeout());
        if (!l.isValid()) {
            LOG.info("{}: term {} ended during initdb: not starting cluster {} as the primary", name, l.term(),
                    Long.toUnsignedString(r.systemIdentifier()));
            return;
        }
        pgWritable = true; // from the first moment the server may accept writes, the watchdog guards it
        pg.start(config.operationTimeout());
        PostgresInstance.WriteCheck w = pg.checkWrite();
        MemberStatus s = probe.sample(heartbeat);
        own = s;
        updateLeaseAnnotations(s, l, view.lease());
        LOG.info("{}: bootstrapped cluster {} for term {}: primary on timeline {} at {} ({})", name,
                Long.toUnsignedString(r.systemIdentifier()), l.term(), w.timeline(), w.lsn(),
                r.outcome() == dev.leasehold.postgres.Bootstrap.Outcome.CREATED ? "initdb" : "data found in place");
        leadingPrimary(l, s);
    }

    /** A holder whose server is the primary: label, announce, keep slots. */
    private void leadingPrimary(Leadership l, MemberStatus s) {
        servedTerm = true; // cleared only by a fence
        if (termAnnounced != l.term()) {
            termAnnounced = l.term();
            history.primaryFor(l.term(), s, view.leaseAnnotations(), view.previousHolder())
                    .ifPresent(reason -> listener.onPromoted(l.term(), reason));
            publish(s);
            view.previousHolder().filter(p -> !p.equals(name)).ifPresent(publisher::labelReplica);
            publisher.event("Primary", name + " is primary for term " + l.term() + " on timeline " + s.timeline());
        }
        if (sync != null && !holding) {
            if (termSynced != l.term()) {
                termSynced = l.term();
                sync.reset(pg, view.lease().syncSet());
            }
            sync.step(pg, view.others(), config.rules().statusTtl(), view.lease().syncSet())
                    .ifPresent(change -> LOG.info("{}: synchronous mode: {}", name, change));
        }
        long now = System.nanoTime();
        if (now - lastSlotsNanos >= config.statusInterval().toNanos() && (slotWork == null || slotWork.isDone())) {
            lastSlotsNanos = now;
            Set<String> members = new HashSet<>(view.others().keySet());
            members.add(name);
            // off the loop: a server that hangs must not hold up the probe that notices it
            slotWork = maintenance.submit(() -> {
                try {
                    slots.reconcile(pg, members);
                } catch (RuntimeException e) {
                    LOG.debug("{}: slot upkeep failed: {}", name, e.toString());
                }
            });
        }
    }

    private void holdCommits(boolean hold) {
        if (hold) {
            CommitHold.apply(pg);
            holding = true;
            LOG.info("{}: renews are failing: commits now wait (synchronous_standby_names = {})", name,
                    CommitHold.NAME);
        } else {
            if (sync != null) {
                sync.restore(pg);
            } else {
                CommitHold.lift(pg);
            }
            holding = false;
            LOG.info("{}: renews succeed again: commits no longer wait", name);
        }
    }

    /** Fences, then resigns the term (the elector releases the Lease and stays away for one lease duration). */
    private void release(String why) {
        if (pg.isRunning()) {
            fence(why);
        }
        LOG.info("{}: releasing the Lease: {}", name, why);
        if (elector.get().resign(config.leaseDuration())) {
            publisher.event("Released", why);
        }
    }

    // ------------------------------------------------------------------ failsafe

    /** How much longer every member's confirmation keeps this primary writable without a term; zero: none. */
    Duration failsafeRemaining() {
        return failsafe == null ? Duration.ZERO : failsafe.remaining();
    }

    /** The promise this member gave a primary under failsafe, while it runs. */
    Optional<AcquireBarrier.Promise> failsafePromise() {
        return barrier.running();
    }

    private int agentPort() {
        AgentHttp h = http;
        return h == null ? 0 : h.port();
    }

    /**
     * This member, every pod of the cluster and every member whose status it reads: the list a failsafe primary
     * publishes and asks. A pod counts from its creation, before its agent publishes anything.
     */
    private java.util.SortedSet<String> knownMembers() {
        java.util.SortedSet<String> all = view.pods();
        all.addAll(view.others().keySet());
        all.add(name);
        return all;
    }

    /**
     * Runs every quarter retry period on the failsafe thread: while this member is the writable primary and its
     * renews fail (the last one succeeded more than 1.1 retry periods ago, or the term ended), asks every member
     * for a confirmation, at most every half retry period, at once again after a round that proved nothing.
     */
    private void failsafeTick() {
        try {
            MemberStatus s = own;
            Leadership l = leadership;
            Duration due = config.renewDeadline().minus(config.retryPeriod().multipliedBy(11).dividedBy(10));
            boolean failing = l == null || !l.isValid() || l.validFor().compareTo(due) < 0;
            if (!failing) {
                failsafe.clear(); // the outage is over: a later one starts a new stint under failsafeLimit
                if (failsafeKept) {
                    failsafeKept = false;
                    LOG.info("{}: renews succeed again: the failsafe is no longer needed", name);
                }
                return;
            }
            // only a primary that served a valid term extends it; never a server that comes up writable
            if (closed.get() || !pgWritable || !servedTerm || s == null || s.role() != Role.PRIMARY
                    || switchingTo != null) {
                return;
            }
            if (failsafe.limitReached()) {
                if (failsafeKept) {
                    failsafeKept = false;
                    LOG.warn("{}: the failsafe ran for failsafeLimit {}: fencing whatever the members say", name,
                            config.failsafe().get().limit());
                }
                return;
            }
            long now = System.nanoTime();
            if (lastRoundConfirmed && now - lastRoundNanos < config.retryPeriod().toNanos() / 2) {
                return;
            }
            lastRoundNanos = now;
            java.util.Set<String> names = new java.util.TreeSet<>(knownMembers());
            view.lease().members().ifPresent(list -> names.addAll(list.names()));
            names.remove(name);
            java.util.List<Failsafe.Peer> peers = new java.util.ArrayList<>();
            for (String m : names) {
                peers.add(view.status(m).map(o -> new Failsafe.Peer(m, o.host(), o.agentPort()))
                        .orElse(new Failsafe.Peer(m, "", 0)));
            }
            Failsafe.Round r = failsafe.round(lastTerm, peers);
            lastRoundConfirmed = r.confirmed();
            LOG.debug("{}: failsafe round: {}", name, r);
            if (r.confirmed() && !failsafeKept) {
                failsafeKept = true;
                LOG.info("{}: renews fail, but every member ({}) confirmed it will not take over: PostgreSQL stays"
                        + " writable under the failsafe", name, names);
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: failsafe round failed: {}", name, e.toString());
        }
    }

    /** A member's answer to a primary's failsafe request (see {@link FailsafeEndpoint}). */
    record FailsafeAnswer(int status, String message, Duration promised) {
    }

    /**
     * A primary under failsafe asks this member to promise not to take over for {@code window}. Granted (200) only
     * when this member cannot reach the API server itself (a member that can lets the Lease decide), holds no
     * term, is not writable, no acquisition of its own is in flight, and {@code term} is the latest it knows: the
     * term it last saw {@code primary} hold, or a later one (its view of the Lease may lag a re-acquisition; a
     * member that holds or held a later term refuses, so a deposed primary never gets every member's promise). Atomic with {@link #promote}: a member that promised cannot promote until the promise ends.
     */
    FailsafeAnswer confirmFailsafe(String primary, long term, Duration window) {
        if (config.failsafe().isEmpty()) {
            return new FailsafeAnswer(404, "failsafe is not enabled on " + name, Duration.ZERO);
        }
        Duration granted = window.compareTo(config.failsafe().get().window()) < 0 ? window
                : config.failsafe().get().window();
        synchronized (failsafeLock) {
            Leadership l = leadership;
            MemberStatus s = own;
            LeaseView lease = view.lease();
            long seen = view.term();
            String refusal = closed.get() ? "the agent is stopping"
                    : primary.equals(name) ? "a member does not confirm to itself"
                    : l != null && l.isValid() ? name + " holds term " + l.term()
                    : pgWritable || (s != null && s.role() == Role.PRIMARY) ? name + "'s PostgreSQL is writable"
                    : term < seen || (term == seen && !lease.holder().equals(Optional.of(primary)))
                            ? "the Lease as " + name + " last saw it names " + lease.holder().orElse("no holder")
                                    + " in term " + seen + ": " + primary + "'s term " + term + " is not the latest"
                    : reachesApiServer(config.failsafe().get().timeout().dividedBy(2))
                            ? name + " reaches the API server: the Lease decides, not the failsafe"
                    : null;
            if (refusal != null) {
                LOG.debug("{}: failsafe request from {} refused: {}", name, primary, refusal);
                return new FailsafeAnswer(409, refusal, Duration.ZERO);
            }
            boolean fresh = barrier.running().isEmpty();
            if (!barrier.promise(primary, granted)) {
                return new FailsafeAnswer(409, name + " has an acquisition of the Lease in flight", Duration.ZERO);
            }
            if (fresh) {
                LOG.info("{}: promised {} (failsafe, term {}) not to take over for {}: neither reaches the API"
                        + " server", name, primary, term, granted);
            }
            return new FailsafeAnswer(200, "promised", granted);
        }
    }

    /** A fresh read of the Lease within {@code timeout}; a read still hanging from before counts as no. */
    private boolean reachesApiServer(Duration timeout) {
        java.util.concurrent.Future<?> before = apiProbeInFlight;
        if (before != null && !before.isDone()) {
            return false;
        }
        java.util.concurrent.Future<?> f;
        try {
            f = apiProbe.submit(() -> config.client().resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                    .inNamespace(config.namespace()).withName(config.cluster()).get());
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
        apiProbeInFlight = f;
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // not proven unreachable: refuse
        }
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
        synchronized (switchLock) {
            try {
                SwitchoverResult r = new Switchover(switchoverHost()).run(to, timeout, t -> {
                    switchingTo = t;
                    gateRefusal = Optional.of("handing over to " + t); // before the release, not at the next tick
                });
                publisher.event("Switchover", r.from() + " handed over to " + r.to() + " in " + r.elapsedMs()
                        + " ms (term " + r.term() + ")");
                listener.onSwitchover(r.from(), r.to(), Duration.ofMillis(r.elapsedMs()));
                return r;
            } finally {
                switchingTo = null;
                loop.execute(this::tickSafely);
            }
        }
    }

    /** The member whose last rejoin this was, and how it went (rewind, re-clone or neither). */
    public Optional<dev.leasehold.postgres.Rewind.Result> lastRejoin() {
        return Optional.ofNullable(lastRejoin);
    }

    /**
     * A primary honours a switchover request in the Lease (annotation {@value ClusterView#SWITCHOVER_REQUEST},
     * younger than a minute, acted on once) and a {@code spec.preferredHolder} naming another member (a request
     * to end the term), on a thread of its own.
     */
    private void handOverIfAsked(Leadership l) {
        requests.term(l.term(), view.preferredHolder(), view.switchoverRequest());
        requests.next(view.switchoverRequest(), view.preferredHolder(), java.time.Instant.now()).ifPresent(to -> {
            Thread t = new Thread(() -> {
                try {
                    switchover(to, config.switchoverTimeout());
                } catch (SwitchoverException e) {
                    LOG.warn("{}: requested switchover failed: {}", name, e.getMessage());
                }
            }, "leasehold-agent-switchover-" + name);
            t.setDaemon(true);
            t.start();
        });
    }

    private Switchover.Host switchoverHost() {
        return new Switchover.Host(name, () -> isWritablePrimary() ? leadership() : Optional.empty(), this::leader,
                config.rules().statusTtl(), this::fence, pg.config().dataDir().orElseThrow(), this::instance,
                successor -> {
                    updateLeaseAnnotations(own, leadership, view.lease()); // the release carries the successor
                    // no backoff: the stopped server keeps the gate shut until it streams from the successor, and
                    // a backoff would keep this member from taking a handover back soon after
                    return elector.get().resign(Duration.ZERO, successor);
                }, view);
    }

    /** The holder's PostgreSQL, reached with this member's credentials, from its published host and port. */
    private Optional<PostgresInstance> upstream(Decision d) {
        return d.target().flatMap(view::status).map(this::instance);
    }

    private PostgresInstance instance(MemberStatus s) {
        return following.reach(s);
    }

    private Optional<String> memberAt(String host, int port) {
        return view.others().values().stream().map(Observed::status)
                .filter(o -> o.port() == port && o.host().equals(host)).map(MemberStatus::name).findFirst();
    }

    private void publishIfDue(MemberStatus s) {
        long now = System.nanoTime();
        boolean changed = lastPublished == null || lastPublished.role() != s.role()
                || lastPublished.healthy() != s.healthy() || !lastPublished.upstream().equals(s.upstream());
        if (changed || now - lastPublishNanos >= config.statusInterval().toNanos()) {
            publish(s);
        }
    }

    private void publish(MemberStatus s) {
        heartbeat++;
        MemberStatus beat = s.beat(heartbeat, s.sampledAt());
        Leadership l = leadership;
        publisher.publish(beat, l != null && l.isValid() && s.role() == Role.PRIMARY);
        lastPublished = beat;
        lastPublishNanos = System.nanoTime();
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
        Leadership l = leadership;
        return l != null && l.isValid() ? Optional.of(l) : Optional.empty();
    }

    /** This member's last sampled status. */
    public Optional<MemberStatus> ownStatus() {
        return Optional.ofNullable(own);
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
        MemberStatus s = own;
        return (leadership().isPresent() || !failsafeRemaining().isZero()) && pgWritable && s != null && s.role() == Role.PRIMARY && s.healthy();
    }

    /** Whether commits are held because renews fail. */
    public boolean commitsHeld() {
        return holding;
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pgWritable && pg.isRunning()) {
            fence("agent closing");
        }
        LeaderElector e = elector.get();
        if (e != null) {
            e.close();
        }
        stopParts();
        LOG.info("{}: agent stopped", name);
    }

    /**
     * Stops the agent as SIGTERM asks (a pod deleted, a rolling update, a node drain): a primary first hands over
     * to the best standby, within {@code switchoverTimeout} (if it cannot, it fences and releases as
     * {@link #close()} does); a standby's PostgreSQL is stopped fast. Then {@link #close()}.
     */
    public void shutdown() {
        if (closed.get()) {
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        abandoned = true; // every lock write fails from now on, the release included
        loop.shutdownNow();
        LeaderElector e = elector.get();
        if (e != null) {
            e.closeAsync();
        }
        stopParts();
        LOG.info("{}: agent abandoned (no fence, no release)", name);
    }

    private void stopParts() {
        watchdog.shutdownNow();
        if (failsafeRounds != null) {
            failsafeRounds.shutdownNow();
        }
        apiProbe.shutdownNow();
        maintenance.shutdownNow();
        if (http != null) {
            http.close();
        }
        publisher.close();
        probe.close();
        view.close();
    }

    private static java.util.concurrent.ThreadFactory daemon(String threadName) {
        return r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        };
    }
}
