package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.Fence;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.leash.Leash;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this member's server from staying writable past its term, on a thread of its own: every 20 ms, and on
 * stopped-leading, a writable server whose term (or failsafe window) is gone or about to end is fenced at once,
 * whatever the loop is doing. Every other fence of the agent goes through {@link #fence} too.
 *
 * <p>The same thread keeps the leash ({@link Leash}) short, for when this JVM cannot run: while the server may be
 * writable (this member holds or held a term it may have promoted on, until a fence stops the server) the guard
 * holds the term's deadline (or the failsafe's, whichever is later) less {@link #GUARD_LEAD}, for when
 * {@link #fence} cannot run; otherwise a standby's server may run {@code 2 × leaseDuration} past this thread's last step.
 * The term is set under the same lock ({@link #startedLeading}), so no instant computed before a term began can reach
 * the guard after it.
 */
final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's
    private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(20);
    /** A gap between two steps worth a line: the JVM was paused or starved, and the leash may have run out. */
    private static final Duration STALL = Duration.ofSeconds(1);
    /**
     * How long before the term's deadline the guard stops a server whose agent did not fence it: the guard's
     * reaction (a park on the monotonic clock, reading postmaster.pid, the shell's kills) took up to tens of
     * milliseconds on a loaded 2-core machine, and the server must not acknowledge after the deadline itself.
     */
    static final Duration GUARD_LEAD = Duration.ofMillis(200);

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final Object fenceLock;
    private final AgentState state;
    private final FailsafeRounds failsafe;
    private final PodPublisher publisher;
    private final AgentListener listener;
    private final ScheduledExecutorService watchdog;
    private final Object leashLock = new Object();
    private Leash leash; // null: no guard
    private java.util.function.Supplier<Leash> restartLeash;
    private long restartAtNanos = System.nanoTime();
    private String restartFailure;
    private static final Duration RESTART_PAUSE = Duration.ofSeconds(1);

    Watchdog(AgentConfig config, Object fenceLock, AgentState state, FailsafeRounds failsafe,
            PodPublisher publisher, AgentListener listener) {
        this.config = config;
        this.pg = config.member();
        this.name = config.name();
        this.fenceLock = fenceLock;
        this.state = state;
        this.failsafe = failsafe;
        this.publisher = publisher;
        this.listener = listener;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(Agent.daemon("leasehold-agent-watchdog-" + name));
    }

    void start(Leash guard, java.util.function.Supplier<Leash> restart) {
        synchronized (leashLock) {
            leash = guard;
            restartLeash = restart;
        }
        watchdog.scheduleWithFixedDelay(this::step, 0, WATCHDOG_PERIOD.toNanos(), TimeUnit.NANOSECONDS);
    }

    private long lastStepNanos = System.nanoTime();

    private void step() {
        long now = System.nanoTime();
        if (now - lastStepNanos > STALL.toNanos()) {
            LOG.warn("{}: the watchdog thread did not run for {} ms (this JVM was paused or starved)", name,
                    TimeUnit.NANOSECONDS.toMillis(now - lastStepNanos));
        }
        lastStepNanos = now;
        try {
            leash();
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot keep the guard's deadline: {}", name, e.toString());
        }
        watch();
    }

    /** A new term: set where the leash reads it, so that the guard holds the term's deadline from now on. */
    void startedLeading(Leadership l) {
        synchronized (leashLock) {
            state.leadership = l;
            leash();
        }
    }

    /**
     * Moves the guard's instant: the term's (or failsafe's) end while the server may be writable, else a
     * standby's leash of {@code 2 × leaseDuration}. A guard that is gone is replaced; a server that may be writable is
     * fenced first, as it must not run writable without its leash.
     */
    void leash() {
        synchronized (leashLock) {
            if (leash == null) {
                return;
            }
            long now = System.nanoTime();
            if (!leash.alive()) {
                if (now - restartAtNanos < 0) {
                    return; // the last start failed: the next try comes after a pause, not every step
                }
                if (state.pgWritable) {
                    LOG.warn("{}: the guard process {} is gone: fencing PostgreSQL, then starting a new guard", name,
                            leash.pid());
                    fence("the guard process is gone: the server must not run writable without its leash");
                } else if (restartFailure == null) {
                    LOG.warn("{}: the guard process {} is gone: starting a new one", name, leash.pid());
                }
                try {
                    leash = restartLeash.get();
                    restartFailure = null;
                } catch (RuntimeException e) {
                    restartAtNanos = now + RESTART_PAUSE.toNanos();
                    if (!String.valueOf(e.getMessage()).equals(restartFailure)) {
                        restartFailure = String.valueOf(e.getMessage());
                        LOG.warn("{}: cannot start a new guard (retrying every {}): {}", name, RESTART_PAUSE,
                                restartFailure);
                    }
                    return;
                }
                now = System.nanoTime();
            }
            Leadership l = state.leadership;
            long until;
            if (state.pgWritable || l != null) {
                long term = l == null ? 0 : l.validFor().toNanos();
                until = now + Math.max(term, failsafe.remaining().toNanos()) - GUARD_LEAD.toNanos();
            } else {
                until = now + config.leaseDuration().multipliedBy(2).toNanos();
            }
            leash.until(until);
        }
    }

    /**
     * Starts this member's server where it may come up writable (a holder's restart in place): from before the
     * start the guard holds the term's deadline, and a fence that runs meanwhile keeps it so.
     */
    void startWritable(Runnable start) {
        state.starting = true;
        try {
            synchronized (leashLock) {
                state.pgWritable = true;
                leash();
            }
            start.run();
        } finally {
            state.starting = false;
        }
    }

    /** Ends the leash: on purpose ({@code drop} false: the guard leaves the server) or as a death would. */
    void endLeash(boolean drop) {
        synchronized (leashLock) {
            if (leash != null) {
                if (drop) {
                    leash.drop();
                } else {
                    leash.close();
                }
                leash = null;
            }
        }
    }

    /** Fences a writable server whose term is gone or about to end. Runs every 20 ms and on stopped-leading. */
    void watch() {
        if (!state.pgWritable || state.closed.get()) {
            return;
        }
        Leadership l = state.leadership;
        Duration safe = failsafe.remaining();
        if (!safe.isZero() && safe.compareTo(config.rules().fenceBelow()) > 0) {
            return; // every member confirmed it will not take over (failsafe), for longer than the fence needs
        }
        if (l == null || !l.isValid()) {
            fence(l == null ? "writable without a term" + (!failsafe.enabled() ? "" : " or failsafe confirmations")
                    : "term " + l.term() + " is no longer valid");
        } else if (!config.rules().fenceBelow().isZero()
                && l.validFor().compareTo(config.rules().fenceBelow()) <= 0) {
            fence("term " + l.term() + " has " + l.validFor() + " left, below fenceBelow "
                    + config.rules().fenceBelow());
        }
    }

    void fence(String why) {
        long start = System.nanoTime();
        state.stopping = true; // GET /primary says no before the server begins to refuse
        try {
            fenceNow(why, start);
        } finally {
            state.stopping = false;
        }
    }

    private void fenceNow(String why, long start) {
        synchronized (fenceLock) {
            if (!pg.isRunning()) {
                if (!state.starting) { // a server coming up writable stays guarded as writable
                    state.pgWritable = false;
                }
                return;
            }
            Fence.Result r = pg.fence(config.fenceTimeout());
            state.pgWritable = false;
            state.servedTerm = false;
            failsafe.clear();
            state.holding = false;
            LOG.info("{}: fenced PostgreSQL ({}): {}", name, r, why);
        }
        publisher.event("Fenced", why);
        listener.onFenced(Duration.ofNanos(System.nanoTime() - start), why);
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
