package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A model of an agent cluster on virtual time, driving the real {@link Decider}: PostgreSQL as WAL positions
 * (writes, asynchronous streaming with lag, promotion to a new timeline, rewind on rejoin, crashes, hangs), the
 * Lease and the pods as an API server some members can be cut off from, and each member's elector as the
 * Lease's rules (renew every retry period, a term valid until its last renew's start plus the renew deadline,
 * takeover only a lease duration after the last change the member saw, and only through the acquisition gate).
 * One tick is 100 ms; a fence completes within 2 × fenceTimeout.
 *
 * <p>With the failsafe on: agent-to-agent HTTP links that are cut and healed independently of the API server; the
 * primary's rounds as {@link FailsafeRounds} runs them (every quarter retry period while renews fail, asking every
 * member it knows), its proven window from the real {@link FailsafeWindow}; each member's answer under the
 * conditions of {@link FailsafePromises#confirm}, its promise kept in a real {@link AcquireBarrier} that its
 * acquisitions and its promotion pass; the published member list and its off-list gate. Every member's monotonic
 * clock runs at its own rate within {@link #DRIFT} of real time: the barrier and the window read it.
 *
 * <p>Agents paused and dead apart from their servers: a paused agent (and its elector) takes no step, answers
 * nobody and publishes nothing, while its PostgreSQL keeps acknowledging writes; a pause may fall between a decision
 * and its action, which then runs on resume, and the agent resumes on its old state and view. A dead agent leaves
 * its server running. With the guard on ({@link #guard}) each agent's guard process holds the instant
 * {@code Watchdog.leash} gives it at each watchdog step, on the member's monotonic clock: the term's deadline (or
 * the failsafe's proven window, whichever is later) while the server may be writable, else {@code leaseDuration}
 * after the step; the guard stops the server at once (every process, no shutdown) when that instant passes or
 * the agent dies, and a restarted agent first stops a server left running without {@code standby.signal}. With
 * the guard off, as before the leash, nothing stops a server while its agent is paused or dead.
 *
 * <p>{@link #step()} advances one tick and checks the invariants, throwing {@link AssertionError} with the time
 * and the state when one breaks.
 */
final class SimCluster {
    static final long TICK = 100;
    static final long LEASE = 10_000;
    static final long RENEW = 7_000;
    static final long RETRY = 2_000;
    static final long FENCE_TIMEOUT = 1_000;
    static final long STATUS_INTERVAL = 1_000;
    static final long MAX_LAG = 100_000;
    static final DecisionRules RULES = new DecisionRules(MAX_LAG, Duration.ofMillis(3 * STATUS_INTERVAL),
            Duration.ofMillis(2 * RETRY), Optional.empty(), Duration.ofMillis(RENEW - 2 * RETRY), Duration.ZERO,
            Duration.ofSeconds(5), Duration.ofSeconds(3));
    static final double DRIFT = 0.01;
    static final long FS_WINDOW = LEASE;
    static final long FS_LIMIT = 30_000;
    /** (failsafeLimit + 2 × fenceTimeout) × (1 + 2 × maxClockDrift), rounded up to a second, as AgentConfig does. */
    static final Duration OFF_LIST_AFTER = Duration.ofSeconds((long) Math.ceil((FS_LIMIT + 2 * FENCE_TIMEOUT)
            * (1 + 2 * DRIFT) / 1000.0));

    /** One member: its PostgreSQL, its elector and its agent. */
    static final class M {
        final String name;
        final int index;
        /** This member's clock rate, within {@link #DRIFT} of real time. */
        double rate = 1;
        AcquireBarrier barrier;
        FailsafeWindow proven;
        boolean servedTerm;
        long lastTerm;
        long lastRoundAt = Long.MIN_VALUE / 2;
        boolean lastRoundConfirmed;
        long failsafeEndedAt = -1;
        boolean underFailsafe;
        /** The primary this member's promise ran for at the last check; null when none ran. */
        String promiseSeen;
        boolean agentUp = true;
        /** The agent takes no step before this (paused, or slow to start); -1 when it runs. */
        long pausedUntil = -1;
        /** A pause asked for that starts right after the agent's next decision, before its action; 0 when none. */
        long pauseAfterDecision;
        /** Its agent's last decision's reason. */
        String reason = "";
        /** A decision made just before a pause, acted on when the agent resumes. */
        Decision stale;
        /** The agent resumes on its informer's old view for one step. */
        boolean staleView;
        /** A guard process holds this member's server on its leash. */
        boolean guarded;
        /** The guard's instant, on this member's monotonic clock (nanoseconds): the server may run until then. */
        long guardAt;
        boolean reachable = true;
        /** Its server's replication connection is cut: as a standby it receives nothing. */
        boolean streamCut;
        boolean pgUp = true;
        boolean hung;
        Role diskRole = Role.REPLICA;
        int timeline = 1;
        long pos;
        String upstream;
        boolean holding;
        long fenceAt = -1;
        long unhealthySince = -1;
        long term;
        long validUntil = -1;
        long lastRenewStart;
        long termEndedAt = -1;
        int seenVersion = -1;
        long seenChangeAt;
        boolean gateOpen;
        int gateVersion = -1; // the Lease version the gate was decided on (GatedLock.Gate.leaseVersion)
        long lastPublish = -STATUS_INTERVAL;
        long heartbeat;
        long notStreamingSince = -1;
        boolean noFailover;
        final Map<String, Published> view = new LinkedHashMap<>();
        LeaseState leaseView;

        M(String name, int index) {
            this.name = name;
            this.index = index;
        }

        Role role() {
            if (!pgUp) {
                return Role.STOPPED;
            }
            return hung ? Role.UNRESPONSIVE : diskRole;
        }

        boolean accepts() {
            return pgUp && !hung && diskRole == Role.PRIMARY && !holding;
        }

        boolean paused() {
            return pausedUntil >= 0;
        }

        /** Whether the agent takes steps: alive and not paused. */
        boolean running() {
            return agentUp && !paused();
        }
    }

    record Published(MemberStatus status, long at) {
    }

    /** The Lease as the API server holds it. */
    static final class LeaseState {
        String holder = "";
        int version;
        long transitions;
        Optional<LeaseView.Published> published = Optional.empty();
        Optional<MemberList> members = Optional.empty();
        Optional<SyncSet> syncSet = Optional.empty();
        final String systemId = "7000";

        LeaseState copy() {
            LeaseState c = new LeaseState();
            c.holder = holder;
            c.version = version;
            c.transitions = transitions;
            c.published = published;
            c.members = members;
            c.syncSet = syncSet;
            return c;
        }
    }

    record Ack(String member, long at, int timeline, long pos) {
    }

    final SplittableRandom rnd;
    final List<M> members = new ArrayList<>();
    final LeaseState lease = new LeaseState();
    final Map<String, Published> pods = new LinkedHashMap<>();
    final List<Ack> acks = new ArrayList<>();
    /** Where each timeline branched from its parent: timeline → (parent timeline, position). */
    final Map<Integer, long[]> branches = new HashMap<>();
    final List<String> trace = new ArrayList<>();
    final boolean failsafe;
    /** Each agent keeps a guard process (the leash); off, a server runs on while its agent is paused or dead. */
    final boolean guard;
    /** A restarted agent first stops a server left running without standby.signal (with the guard). */
    boolean stopOrphans = true;
    /** Added to the instant the guard holds while the server may be writable; 0 as the agent does (a mutant knob). */
    long writableLeashSlack;
    /** The newest timeline a write was acknowledged on, and when its first acknowledgement came. */
    int newestAcked;
    long newestAckedAt;
    /** The rules the Decider runs on. */
    DecisionRules rules = RULES;
    /** Synchronous mode ({@link #synchronous}): a write is acknowledged once a published set member confirms it. */
    boolean sync;
    /** Synchronous mode: timeline → the highest position acknowledged on it (confirmed by the published set). */
    final Map<Integer, Long> syncAcked = new HashMap<>();
    long syncAcks;
    /** Whether a write acknowledged past its term's deadline fails the run; off, it is counted and the run goes on. */
    boolean lateAckFails = true;
    long lateAcks;
    String firstLateAck;
    long agentPauses;
    long agentDeaths;
    long guardStops;
    long orphansStopped;
    /** failsafeWindow: how long a member promises (milliseconds). */
    final long window;
    /** httpCut[i][j]: the agents of members i and j cannot reach each other over HTTP. */
    final boolean[][] httpCut;
    long now;
    int promotions;
    long lostAsync;
    long promises;
    long roundsConfirmed;

    SimCluster(long seed, int size) {
        this(seed, size, false);
    }

    SimCluster(long seed, int size, boolean failsafe) {
        this(seed, size, failsafe, FS_WINDOW);
    }

    SimCluster(long seed, int size, boolean failsafe, long window) {
        this(seed, size, failsafe, window, false);
    }

    SimCluster(long seed, int size, boolean failsafe, long window, boolean guard) {
        rnd = new SplittableRandom(seed);
        this.failsafe = failsafe;
        this.guard = guard;
        this.window = window;
        this.httpCut = new boolean[size][size];
        for (int i = 0; i < size; i++) {
            M m = new M("pg-" + i, i);
            m.rate = failsafe ? 1 + DRIFT * (2 * rnd.nextDouble() - 1) : 1;
            freshFailsafe(m);
            leashAnew(m);
            members.add(m);
        }
        // a stopped data directory that was a primary, and no lease yet: it must never come up writable
        members.get(0).diskRole = Role.PRIMARY;
        members.get(0).pgUp = false;
        members.get(rnd.nextInt(size)).noFailover = size > 3 && rnd.nextBoolean();
        for (M m : members) {
            m.leaseView = lease.copy();
        }
    }

    /**
     * Synchronous mode, minimal: a primary publishes with each renew the set {@code ANY 1} of the other members that
     * may take over, and a write is acknowledged (to the client) only once a member of the published set that
     * streams from it has received it; its local commits before that are acknowledged to nobody. Members publish
     * {@code freeLease}, the Lease version they saw free before sampling. Checked at every promotion: the new
     * primary's history holds every acknowledged write. {@code statusTtl} the Decider counts a status fresh for.
     */
    SimCluster synchronous(Duration statusTtl) {
        sync = true;
        rules = new DecisionRules(RULES.maximumLagOnFailover(), statusTtl, RULES.deferGrace(),
                RULES.laggingFailoverAfter(), RULES.holdCommitsBelow(), RULES.fenceBelow(), RULES.restartWithin(),
                RULES.hangTimeout());
        return this;
    }

    M member(int i) {
        return members.get(i);
    }

    /** A (re)started agent's failsafe: no promise given, nothing proven (both live in the agent's memory). */
    private void freshFailsafe(M m) {
        m.barrier = new AcquireBarrier(() -> clock(m));
        m.proven = new FailsafeWindow(Duration.ofMillis(window), Duration.ofMillis(FENCE_TIMEOUT), DRIFT,
                Duration.ofMillis(FS_LIMIT));
        m.lastRoundConfirmed = false;
        m.underFailsafe = false;
    }

    /** Member {@code m}'s monotonic clock in nanoseconds: real time at its own rate. */
    long clock(M m) {
        return (long) (now * 1_000_000.0 * m.rate);
    }

    /** How much longer the promises gathered keep {@code m} writable without a term; zero when none do. */
    Duration failsafeLeft(M m) {
        return m.proven.remaining(clock(m));
    }

    void log(String what) {
        if (trace.size() > 400) {
            trace.remove(0);
        }
        trace.add(now + " ms: " + what);
    }

    // ------------------------------------------------------------------ one tick

    void step() {
        now += TICK;
        for (M m : members) {
            if (m.paused() && now >= m.pausedUntil) {
                m.pausedUntil = -1;
                log(m.name + " agent resumed" + (m.stale == null ? "" : ", acting on its decision from before: "
                        + m.stale.step()));
            }
            // the guard checks every 20 ms: within the tick its instant passes in
            if (m.guarded && m.pgUp && clock(m) - m.guardAt >= 0) {
                guardStop(m, "the guard's instant passed");
            }
            // a fence is the agent's to finish (pg_ctl's escalation): a paused agent's fence waits
            if (m.fenceAt >= 0 && now >= m.fenceAt && !m.paused()) {
                m.fenceAt = -1;
                stop(m, "fence completed");
            }
            if (!m.running()) {
                failsafeEnded(m);
            }
        }
        List<M> order = new ArrayList<>(members);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            M t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        for (M m : order) {
            if (m.running()) {
                if (m.stale != null) {
                    Decision d = m.stale;
                    m.stale = null;
                    apply(m, d);
                }
                if (m.staleView) {
                    m.staleView = false;
                } else {
                    observe(m);
                }
                elector(m);
                rounds(m);
                watchdog(m);
                agent(m);
            }
        }
        replicate();
        write();
        check();
    }

    private void observe(M m) {
        if (!m.reachable) {
            return;
        }
        if (lease.version != m.seenVersion) {
            m.seenVersion = lease.version;
            m.seenChangeAt = now;
        }
        m.leaseView = lease.copy();
        m.view.clear();
        m.view.putAll(pods);
    }

    private void elector(M m) {
        if (m.term > 0 && now >= m.validUntil) {
            log(m.name + " term " + m.term + " ended (deadline)");
            endTerm(m);
        }
        if (m.term > 0) {
            if (m.reachable && !lease.holder.equals(m.name)) {
                log(m.name + " term " + m.term + " lost: the Lease names " + lease.holder);
                endTerm(m);
            } else if (m.reachable && now - m.lastRenewStart >= RETRY && rnd.nextInt(20) != 0) {
                m.lastRenewStart = now;
                m.validUntil = now + RENEW;
                lease.version++;
                if (m.role() == Role.PRIMARY) {
                    lease.published = Optional.of(new LeaseView.Published(m.timeline, new Lsn(m.pos)));
                    if (sync) {
                        List<String> set = members.stream().filter(o -> o != m && !o.noFailover).map(o -> o.name)
                                .toList();
                        lease.syncSet = Optional.of(new SyncSet("ANY", 1, set, false));
                    }
                }
                lease.members = failsafe ? Optional.of(new MemberList(knownMembers(m), OFF_LIST_AFTER))
                        : Optional.empty();
            }
            return;
        }
        boolean free = m.leaseView.holder.isEmpty() || now - m.seenChangeAt >= LEASE;
        // GatedLock: a takeover passes only if it replaces the Lease version the gate was decided on
        if (m.reachable && free && m.gateOpen && lease.version == m.seenVersion && lease.version == m.gateVersion
                && m.barrier.tryEnter()) {
            m.barrier.exit(); // the acquisition below is answered within this tick
            lease.holder = m.name;
            lease.transitions++;
            lease.version++;
            m.seenVersion = lease.version;
            m.seenChangeAt = now;
            m.term = lease.transitions;
            m.lastTerm = m.term;
            m.lastRenewStart = now;
            m.validUntil = now + RENEW;
            log(m.name + " acquired term " + m.term + " at " + m.role() + " " + m.timeline + "/" + m.pos);
        }
    }

    /**
     * The agent's watchdog: a server that was primary is fenced the moment its term is gone, hung or not, unless
     * the failsafe's promises keep it writable for longer than {@code fenceBelow}.
     */
    private void watchdog(M m) {
        leash(m);
        Duration safe = failsafeEnded(m);
        if (!safe.isZero() && safe.compareTo(rules.fenceBelow()) > 0) {
            return;
        }
        if (m.pgUp && m.diskRole == Role.PRIMARY && (m.term == 0 || now >= m.validUntil)) {
            fence(m);
        }
    }

    /**
     * Notes when the failsafe's proven window ran out (the write check's reference), whether the agent saw it or
     * not: at the watchdog's step while the agent runs, else at the tick. Returns the time left in it.
     */
    private Duration failsafeEnded(M m) {
        Duration safe = failsafeLeft(m);
        if (m.underFailsafe && safe.isZero()) {
            m.failsafeEndedAt = now;
        }
        m.underFailsafe = !safe.isZero();
        return safe;
    }

    /** A term ends: it gave its server no right past its deadline, however late its agent learns it ended. */
    private void endTerm(M m) {
        m.term = 0;
        m.termEndedAt = Math.min(now, m.validUntil);
    }

    /**
     * {@code Watchdog.leash}: while the server may be writable (a term, or a server that was primary and is not
     * fenced) the guard holds the term's deadline or the failsafe's proven window, whichever is later; otherwise
     * {@code leaseDuration} past this step.
     */
    private void leash(M m) {
        if (!m.guarded) {
            return;
        }
        long clock = clock(m);
        if (m.term > 0 || m.pgUp && m.diskRole == Role.PRIMARY) {
            long term = m.term == 0 ? 0 : (long) (Math.max(0, m.validUntil - now) * 1_000_000.0 * m.rate);
            long slack = writableLeashSlack * 1_000_000;
            m.guardAt = clock + Math.max(term, failsafeLeft(m).toNanos()) + slack;
        } else {
            m.guardAt = clock + LEASE * 1_000_000;
        }
    }

    /** A (re)started agent's new guard: {@code leaseDuration} until its first step moves the instant. */
    private void leashAnew(M m) {
        m.guarded = guard;
        m.guardAt = clock(m) + LEASE * 1_000_000;
    }

    /** The guard (or an agent's first act) stops every process of the server at once; the agent's memory stays. */
    private void guardStop(M m, String why) {
        if (m.pgUp) {
            log(m.name + " PostgreSQL stopped by the guard: " + why);
            guardStops++;
        }
        m.pgUp = false;
        m.hung = false;
        m.holding = false;
        m.fenceAt = -1;
    }

    // ------------------------------------------------------------------ failsafe

    /** The members {@code m}'s agent knows: the pods it saw and itself. */
    private Set<String> knownMembers(M m) {
        Set<String> all = new TreeSet<>(m.view.keySet());
        all.add(m.name);
        return all;
    }

    /** Whether the agents of {@code a} and {@code b} reach each other over HTTP. */
    boolean linked(M a, M b) {
        return !httpCut[a.index][b.index];
    }

    /**
     * {@link FailsafeRounds}' tick, every quarter retry period: while {@code m} is the writable primary that
     * served a term and its renews fail, a round at most every half retry period (at once after one that proved
     * nothing), asking every member it knows.
     */
    private void rounds(M m) {
        if (!failsafe || (now / TICK + m.index) % (RETRY / 4 / TICK) != 0) {
            return;
        }
        boolean failing = m.term == 0 || now >= m.validUntil
                || RENEW - (now - m.lastRenewStart) < RENEW - RETRY * 11 / 10;
        if (!failing) {
            m.proven.clear();
            return;
        }
        boolean writable = m.pgUp && m.diskRole == Role.PRIMARY;
        if (!writable || !m.servedTerm || m.role() != Role.PRIMARY || m.proven.limitReached(clock(m))) {
            return;
        }
        if (m.lastRoundConfirmed && now - m.lastRoundAt < RETRY / 2) {
            return;
        }
        m.lastRoundAt = now;
        Set<String> names = knownMembers(m);
        m.leaseView.members.ifPresent(list -> names.addAll(list.names()));
        names.remove(m.name);
        long start = clock(m);
        long granted = window;
        boolean all = true;
        for (String name : names) { // asked in parallel: every member answers, whatever the others say
            M p = member(name);
            Optional<Duration> g = p.running() && linked(m, p) ? confirm(p, m.name, m.lastTerm,
                    Duration.ofMillis(window)) : Optional.empty();
            if (g.isEmpty()) {
                all = false;
            } else {
                granted = Math.min(granted, g.get().toMillis());
            }
        }
        m.lastRoundConfirmed = all;
        if (all) {
            m.proven.confirmed(start, Duration.ofMillis(granted));
            roundsConfirmed++;
        }
    }

    /** {@link FailsafePromises#confirm}: member {@code p}'s answer to {@code primary}; empty when it refuses. */
    private Optional<Duration> confirm(M p, String primary, long term, Duration window) {
        boolean holds = p.term > 0 && now < p.validUntil;
        boolean writable = p.pgUp && p.diskRole == Role.PRIMARY || p.role() == Role.PRIMARY;
        long seen = p.leaseView.transitions;
        boolean latest = term > seen || term == seen && p.leaseView.holder.equals(primary);
        if (primary.equals(p.name) || holds || writable || !latest || p.reachable) {
            return Optional.empty();
        }
        boolean fresh = p.barrier.running().isEmpty();
        if (!p.barrier.promise(primary, window)) {
            return Optional.empty();
        }
        if (fresh) {
            promises++;
            log(p.name + " promised " + primary + " (failsafe, term " + term + ") not to take over for " + window);
        }
        return Optional.of(window);
    }


    private MemberStatus status(M m, Optional<String> freeLease) {
        boolean healthy = m.pgUp && !m.hung;
        return new MemberStatus(m.name, m.role(), healthy, healthy ? m.timeline : 0,
                healthy ? Optional.of(new Lsn(m.pos)) : Optional.empty(),
                Optional.ofNullable(healthy && m.diskRole == Role.REPLICA ? m.upstream : null)
                        .filter(u -> streamsFrom(m, u)),
                m.noFailover, 0, "127.0.0.1", 5432, Optional.of(lease.systemId), m.heartbeat, "sim",
                Instant.EPOCH).withFreeLease(freeLease);
    }

    private void agent(M m) {
        MemberStatus own = status(m, Optional.empty());
        if (own.healthy()) {
            m.unhealthySince = -1;
        } else if (m.unhealthySince < 0) {
            m.unhealthySince = now;
        }
        LeaseState lv = m.leaseView;
        Duration freeFor;
        if (lv.holder.isEmpty()) {
            freeFor = Duration.ofMillis(now - m.seenChangeAt);
        } else {
            freeFor = Duration.ofMillis(Math.max(0, now - m.seenChangeAt - LEASE));
        }
        LeaseView view = new LeaseView(Optional.of(lv.holder), freeFor, Optional.of(lv.systemId), lv.published,
                Optional.empty(), lv.syncSet, lv.members, String.valueOf(lv.version));
        Map<String, Observed> others = new LinkedHashMap<>();
        m.view.forEach((name, p) -> {
            if (!name.equals(m.name)) {
                others.put(name, new Observed(p.status(), Duration.ofMillis(now - p.at())));
            }
        });
        Optional<Snapshot.Term> term = m.term > 0 ? Optional.of(new Snapshot.Term(m.term, now < m.validUntil,
                Duration.ofMillis(Math.max(0, RENEW - (now - m.lastRenewStart))))) : Optional.empty();
        if (m.term > 0 && now < m.validUntil && m.role() == Role.PRIMARY) {
            m.servedTerm = true; // Leading.lead: cleared only by a fence
        }
        Decision d = Decider.decide(new Snapshot(own, Duration.ofMillis(m.unhealthySince < 0 ? 0
                : now - m.unhealthySince), term, view, others, failsafeLeft(m),
                m.barrier.running().map(AcquireBarrier.Promise::primary)), rules);
        m.gateOpen = d.mayAcquire();
        m.gateVersion = m.seenVersion;
        m.reason = d.step() + ": " + d.reason();
        if (m.pauseAfterDecision > 0) { // paused between the decision and its action
            m.stale = d;
            m.pausedUntil = now + m.pauseAfterDecision;
            m.pauseAfterDecision = 0;
            log(m.name + " agent paused until " + m.pausedUntil + " ms, after deciding " + d.step());
            return;
        }
        apply(m, d);
        if (m.reachable && now - m.lastPublish >= STATUS_INTERVAL) {
            m.lastPublish = now;
            m.heartbeat++;
            // Agent.tick: the Lease read before the sample; a position sampled once it was seen free carries it
            Optional<String> free = view.held() ? Optional.empty() : Optional.of(view.version());
            pods.put(m.name, new Published(status(m, free), now));
        }
    }

    private void apply(M m, Decision d) {
        if (d.step() != Step.HOLD_COMMITS && m.holding
                && (m.term > 0 && now < m.validUntil || !failsafeLeft(m).isZero())) {
            m.holding = false;
        }
        switch (d.step()) {
            case PROMOTE -> {
                // FailsafePromises.markWritableUnlessPromised: no promotion while a promise runs
                if (m.pgUp && !m.hung && m.diskRole == Role.REPLICA && m.barrier.running().isEmpty()) {
                    promote(m);
                }
            }
            case HOLD_COMMITS -> m.holding = true;
            case FENCE -> fence(m);
            case RESTART -> {
                if (!m.pgUp) {
                    m.pgUp = true;
                    log(m.name + " restarted in place as " + m.diskRole);
                }
            }
            case RELEASE -> {
                fence(m);
                stop(m, "released");
                if (m.reachable && lease.holder.equals(m.name)) {
                    lease.holder = "";
                    lease.version++;
                }
                endTerm(m);
            }
            case FOLLOW -> {
                if (!d.target().get().equals(m.upstream)) {
                    m.upstream = d.target().get();
                    m.notStreamingSince = now;
                } else if (m.notStreamingSince >= 0 && now - m.notStreamingSince > 10_000) {
                    stop(m, "not streaming from " + m.upstream + ": stopped to rejoin");
                }
            }
            case REJOIN -> rejoin(m, member(d.target().get()));
            case START_STANDBY -> {
                m.pgUp = true;
                m.hung = false;
                m.diskRole = Role.REPLICA;
                m.upstream = null;
            }
            default -> { }
        }
    }

    M member(String name) {
        return members.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow();
    }

    private void promote(M m) {
        int previous = m.timeline;
        int next = branches.keySet().stream().mapToInt(Integer::intValue).max().orElse(1) + 1;
        branches.put(next, new long[] {previous, m.pos});
        LeaseView.Published pub = lease.published.orElse(null);
        if (pub != null) {
            if (!lineage(next, m.pos).containsKey(pub.timeline())) {
                throw new AssertionError("t=" + now + ": " + m.name + " promoted from a lineage without the "
                        + "published timeline " + pub.timeline());
            }
            long lag = pub.position().value() - m.pos;
            if (pub.timeline() == previous && lag > MAX_LAG) {
                throw new AssertionError("t=" + now + ": " + m.name + " promoted " + lag + " bytes behind");
            }
        }
        Map<Integer, Long> history = lineage(next, m.pos);
        for (Ack a : acks) {
            if (!contains(history, a.timeline(), a.pos())) {
                lostAsync++;
            }
        }
        syncAcked.forEach((tl, acked) -> {
            if (!contains(history, tl, acked)) {
                throw new AssertionError("t=" + now + ": " + m.name + " promoted at " + previous + "/" + m.pos
                        + " without the acknowledged write " + tl + "/" + acked + " (synchronous mode)");
            }
        });
        m.timeline = next;
        m.diskRole = Role.PRIMARY;
        m.upstream = null;
        promotions++;
        log(m.name + " promoted to timeline " + next + " at " + m.pos + " (term " + m.term + ")");
    }

    /** Timeline → the last position of that timeline in the history of (tl, pos). */
    private Map<Integer, Long> lineage(int tl, long pos) {
        Map<Integer, Long> out = new HashMap<>();
        int t = tl;
        long p = pos;
        while (true) {
            out.put(t, p);
            long[] b = branches.get(t);
            if (b == null) {
                return out;
            }
            t = (int) b[0];
            p = b[1];
        }
    }

    /** Whether a history ({@link #lineage}) holds position {@code ackPos} of timeline {@code ackTl}. */
    private static boolean contains(Map<Integer, Long> history, int ackTl, long ackPos) {
        Long end = history.get(ackTl);
        return end != null && ackPos <= end;
    }

    private void fence(M m) {
        if (m.pgUp && m.fenceAt < 0 && (m.diskRole == Role.PRIMARY || m.hung)) {
            m.fenceAt = now + rnd.nextLong(2 * FENCE_TIMEOUT + 1);
        }
    }

    private void stop(M m, String why) {
        if (m.pgUp) {
            log(m.name + " stopped: " + why);
        }
        m.pgUp = false;
        m.hung = false;
        m.holding = false;
        m.servedTerm = false; // Watchdog.fence
        m.proven.clear();
    }

    private void rejoin(M m, M up) {
        if (!up.pgUp || up.hung || up.diskRole != Role.PRIMARY) {
            return;
        }
        Long end = lineage(up.timeline, up.pos).get(m.timeline);
        if (end == null || m.pos > end) {
            long to = end == null ? 0 : end;
            log(m.name + " rewound from " + m.timeline + "/" + m.pos + " to " + to);
            m.pos = Math.min(m.pos, to);
        }
        m.timeline = up.timeline;
        m.diskRole = Role.REPLICA;
        m.upstream = up.name;
        m.pgUp = true;
        m.hung = false;
        m.fenceAt = -1;
        m.notStreamingSince = now;
    }

    private boolean streamsFrom(M m, String upName) {
        if (upName == null || m.streamCut) {
            return false;
        }
        M up = member(upName);
        if (!up.pgUp || up.hung || up.diskRole != Role.PRIMARY) {
            return false;
        }
        Long end = lineage(up.timeline, up.pos).get(m.timeline);
        return end != null && m.pos <= end;
    }

    private void replicate() {
        for (M m : members) {
            if (!m.pgUp || m.hung || m.diskRole != Role.REPLICA || !streamsFrom(m, m.upstream)) {
                continue;
            }
            M up = member(m.upstream);
            m.timeline = up.timeline;
            m.pos = Math.min(up.pos, m.pos + rnd.nextLong(2_000, 40_000));
            m.notStreamingSince = now;
        }
    }

    private void write() {
        for (M m : members) {
            if (m.accepts() && m.fenceAt < 0 || m.accepts() && rnd.nextBoolean()) {
                m.pos += rnd.nextLong(100, 2_000);
                acks.add(new Ack(m.name, now, m.timeline, m.pos));
                // once a newer timeline acknowledged a write, no server may acknowledge one on an older timeline
                if (m.timeline > newestAcked) {
                    newestAcked = m.timeline;
                    newestAckedAt = now;
                } else if (m.timeline < newestAcked) {
                    throw new AssertionError("t=" + now + ": " + m.name + " acknowledged a write on timeline "
                            + m.timeline + " after timeline " + newestAcked + "'s first acknowledged write at t="
                            + newestAckedAt);
                }
                if ((m.term == 0 || now >= m.validUntil) && failsafeLeft(m).isZero()) {
                    // a term its agent still holds (paused, or not yet told) ended at its deadline
                    long ended = Math.max(m.term > 0 ? m.validUntil : m.termEndedAt, m.failsafeEndedAt);
                    long since = ended < 0 ? Long.MAX_VALUE : now - ended;
                    // the guard stops the server at the term's deadline, or one watchdog step after the agent saw
                    // the term end; without it the agent's fence takes up to 2 × fenceTimeout
                    if (since > (guard ? TICK : 2 * FENCE_TIMEOUT + TICK)) {
                        if (lateAckFails || firstLateAck == null) {
                            firstLateAck = "t=" + now + ": " + m.name + " acknowledged a write " + since
                                    + " ms after its term ended";
                        }
                        if (lateAckFails) {
                            throw new AssertionError(firstLateAck);
                        }
                        lateAcks++;
                    }
                }
            }
        }
        if (sync) {
            confirm();
        }
        if (acks.size() > 20_000) {
            acks.subList(0, 10_000).clear();
        }
    }

    /**
     * Synchronous mode: each running primary's commits are acknowledged up to the highest position a member of the
     * published set streaming from it has received.
     */
    private void confirm() {
        List<String> set = lease.syncSet.map(SyncSet::members).orElse(List.of());
        for (M m : members) {
            if (!m.pgUp || m.hung || m.diskRole != Role.PRIMARY || m.holding) {
                continue;
            }
            long confirmed = members.stream().filter(o -> o != m && set.contains(o.name) && o.pgUp && !o.hung
                    && o.diskRole == Role.REPLICA && m.name.equals(o.upstream) && streamsFrom(o, m.name)
                    && o.timeline == m.timeline).mapToLong(o -> Math.min(o.pos, m.pos)).max().orElse(-1);
            if (confirmed > syncAcked.getOrDefault(m.timeline, -1L)) {
                syncAcked.put(m.timeline, confirmed);
                syncAcks++;
            }
        }
    }

    private void check() {
        List<String> writable = members.stream().filter(M::accepts).map(m -> m.name).toList();
        if (writable.size() > 1) {
            throw new AssertionError("t=" + now + ": two members accept writes: " + writable);
        }
        // the failsafe's guarantee is stronger: a server kept writable by promises is fenced (stopped) before any
        // member that promised may take over, whether or not it holds its commits
        List<String> running = members.stream().filter(m -> m.pgUp && m.diskRole == Role.PRIMARY).map(m -> m.name)
                .toList();
        if (running.size() > 1) {
            throw new AssertionError("t=" + now + ": two servers run as primary: " + running);
        }
        // and, sharper: when a promise ends, the primary it bound no longer runs on the failsafe (a primary whose
        // term outlived its failsafe window is covered by the Lease's rules, as without failsafe)
        for (M m : members) {
            Optional<AcquireBarrier.Promise> p = m.barrier.running();
            if (m.promiseSeen != null && p.isEmpty()) {
                M primary = member(m.promiseSeen);
                boolean holds = primary.term > 0 && now < primary.validUntil;
                boolean onFailsafe = !failsafeLeft(primary).isZero()
                        || primary.failsafeEndedAt >= 0 && primary.failsafeEndedAt >= primary.termEndedAt;
                if (primary.pgUp && primary.diskRole == Role.PRIMARY && !holds && onFailsafe) {
                    throw new AssertionError("t=" + now + ": " + m.name + "'s promise to " + primary.name
                            + " ended, but " + primary.name + " still runs as primary on the failsafe (its window"
                            + " ended at " + primary.failsafeEndedAt + ", its term at " + primary.termEndedAt + ")");
                }
            }
            m.promiseSeen = p.map(AcquireBarrier.Promise::primary).orElse(null);
        }
    }

    // ------------------------------------------------------------------ faults

    void crash(M m) {
        log(m.name + " crashed (agent and PostgreSQL)");
        agentGone(m);
        m.pgUp = false;
        m.hung = false;
        m.fenceAt = -1;
    }

    /**
     * The agent dies alone (kill -9, OOM), its server left running: its guard, seeing the pipe close, stops the
     * server at once; without the guard the server runs on, a primary acknowledging writes, a standby streaming.
     */
    void killAgent(M m) {
        killAgent(m, false);
    }

    /** {@code guardToo}: its guard is killed with it (a limit of the leash: nothing stops the server then). */
    void killAgent(M m, boolean guardToo) {
        if (!m.agentUp) {
            return;
        }
        log(m.name + " agent killed" + (guardToo ? " with its guard" : "") + ", its PostgreSQL left running as "
                + m.role());
        agentDeaths++;
        boolean guarded = m.guarded && !guardToo;
        agentGone(m);
        m.fenceAt = -1; // the fence was the agent's
        if (guarded) {
            guardStop(m, "its agent is gone");
        }
    }

    /** The agent's memory and its guard go: the term with it (valid no later than its deadline). */
    private void agentGone(M m) {
        m.agentUp = false;
        m.pausedUntil = -1;
        m.pauseAfterDecision = 0;
        m.stale = null;
        m.staleView = false;
        m.guarded = false;
        if (m.term > 0) {
            m.term = 0;
            m.termEndedAt = m.validUntil;
        }
        freshFailsafe(m); // its promise, and what it proved, live in the agent's memory
        m.promiseSeen = null;
    }

    /**
     * Pauses the agent (and its elector) for {@code span} ms: no renew, fence, answer, publication or decision; its
     * server runs on. {@code afterDecision}: the pause starts right after its next decision, which it acts on at
     * resume; {@code staleView}: it resumes on the view it had.
     */
    void pause(M m, long span, boolean afterDecision, boolean staleView) {
        if (!m.running() || m.pauseAfterDecision > 0) {
            return;
        }
        agentPauses++;
        m.staleView = staleView;
        if (afterDecision) {
            m.pauseAfterDecision = span;
        } else {
            m.pausedUntil = now + span;
            log(m.name + " agent paused until " + m.pausedUntil + " ms (holding term " + m.term + ", "
                    + m.role() + ")");
        }
    }

    void restartAgent(M m) {
        restartAgent(m, 0);
    }

    /**
     * Restarts a dead agent with fresh memory; {@code slowFor} ms pass before its first step (a loaded machine).
     * With the guard, its first act, before that: a server left running without standby.signal is stopped.
     */
    void restartAgent(M m, long slowFor) {
        log(m.name + " agent restarted" + (slowFor > 0 ? ", its first step in " + slowFor + " ms" : ""));
        if (guard && stopOrphans && m.pgUp && m.diskRole == Role.PRIMARY) {
            orphansStopped++;
            guardStop(m, "the restarted agent found it running without standby.signal");
        }
        leashAnew(m);
        if (slowFor > 0) {
            m.pausedUntil = now + slowFor;
        }
        m.agentUp = true;
        if (!m.pgUp) {
            m.holding = false; // a hold is ALTER SYSTEM: it stays with a server left running
        }
        m.seenVersion = -1;
        m.gateOpen = false; // AgentState.gate: "starting" until the agent's first decision
        m.gateVersion = -1;
        m.servedTerm = false;
        freshFailsafe(m);
    }

    void killPostgres(M m) {
        if (m.pgUp) {
            log(m.name + " PostgreSQL killed");
            m.pgUp = false;
            m.hung = false;
        }
    }

    void hang(M m, boolean on) {
        if (m.pgUp) {
            log(m.name + (on ? " PostgreSQL hung" : " PostgreSQL resumed"));
            m.hung = on;
        }
    }

    void cut(M m, boolean off) {
        log(m.name + (off ? " cut off from the API server" : " reconnected to the API server"));
        m.reachable = !off;
    }

    /** Cuts or heals {@code m}'s server's replication connection (the network between the servers). */
    void cutStream(M m, boolean off) {
        if (m.streamCut != off) {
            log(m.name + (off ? " receives no WAL (replication cut)" : " receives WAL again"));
            m.streamCut = off;
        }
    }

    /** Cuts or heals the HTTP link between the agents of {@code a} and {@code b}. */
    void cutHttp(M a, M b, boolean off) {
        if (a != b && httpCut[a.index][b.index] != off) {
            log(a.name + " and " + b.name + (off ? " cannot reach each other over HTTP" : " reach each other again"));
            httpCut[a.index][b.index] = off;
            httpCut[b.index][a.index] = off;
        }
    }

    /** The member that accepts writes, if exactly one does. */
    Optional<M> writable() {
        List<M> w = members.stream().filter(M::accepts).toList();
        return w.size() == 1 ? Optional.of(w.get(0)) : Optional.empty();
    }

    /** Whether some member holds a valid term and accepts writes. */
    boolean hasPrimary() {
        return members.stream().anyMatch(m -> m.term > 0 && now < m.validUntil && m.accepts());
    }
}
