package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.Fence;
import dev.leasehold.postgres.PostgresInstance;
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
 */
final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's
    private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(20);

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final Object fenceLock;
    private final AgentState state;
    private final FailsafeRounds failsafe;
    private final PodPublisher publisher;
    private final AgentListener listener;
    private final ScheduledExecutorService watchdog;

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

    void start() {
        watchdog.scheduleWithFixedDelay(this::watch, 0, WATCHDOG_PERIOD.toNanos(), TimeUnit.NANOSECONDS);
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
        synchronized (fenceLock) {
            if (!pg.isRunning()) {
                state.pgWritable = false;
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
