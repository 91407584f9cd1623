package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's side of the API-server outage failsafe: it decides whether to promise a primary under failsafe
 * not to take over (see {@link FailsafeEndpoint}), keeps the promise in the {@link AcquireBarrier} its lock
 * obeys, and lets this member's own promotion start only when no promise runs, atomically with the promises.
 */
final class FailsafePromises implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's

    /** A member's answer to a primary's failsafe request (see {@link FailsafeEndpoint}). */
    record Answer(int status, String message, Duration promised) {
    }

    private final AgentConfig config;
    private final String name;
    private final AgentState state;
    private final ClusterView view;
    private final AcquireBarrier barrier = new AcquireBarrier(System::nanoTime);
    private final Object failsafeLock = new Object();
    private final ExecutorService apiProbe;
    private Future<?> apiProbeInFlight;

    FailsafePromises(AgentConfig config, AgentState state, ClusterView view) {
        this.config = config;
        this.name = config.name();
        this.state = state;
        this.view = view;
        this.apiProbe = Executors.newSingleThreadExecutor(Agent.daemon("leasehold-agent-apiprobe-" + name));
    }

    /** The barrier this member's lock passes its acquisitions through. */
    AcquireBarrier barrier() {
        return barrier;
    }

    /** The promise this member gave a primary under failsafe, while it runs. */
    Optional<AcquireBarrier.Promise> running() {
        return barrier.running();
    }

    /**
     * Marks the server writable for a promotion about to start, atomic with the failsafe confirmations this member
     * gives: a member that promised cannot promote until the promise ends.
     *
     * @throws IllegalStateException while a promise runs
     */
    void markWritableUnlessPromised() {
        synchronized (failsafeLock) { // atomic with the failsafe confirmations this member gives
            Optional<AcquireBarrier.Promise> promised = barrier.running();
            if (promised.isPresent()) {
                throw new IllegalStateException("promised " + promised.get().primary() + " (failsafe) not to take"
                        + " over for " + promised.get().left() + " more: promoting after");
            }
            state.pgWritable = true; // from the first moment the server may accept writes, the watchdog guards it
        }
    }

    /**
     * A primary under failsafe asks this member to promise not to take over for {@code window}. Granted (200) only
     * when this member cannot reach the API server itself (a member that can lets the Lease decide), holds no
     * term, is not writable, no acquisition of its own is in flight, and {@code term} is the latest it knows: the
     * term it last saw {@code primary} hold, or a later one (its view of the Lease may lag a re-acquisition; a
     * member that holds or held a later term refuses, so a deposed primary never gets every member's promise).
     * Atomic with {@link #markWritableUnlessPromised}: a member that promised cannot promote until the promise ends.
     */
    Answer confirm(String primary, long term, Duration window) {
        if (config.failsafe().isEmpty()) {
            return new Answer(404, "failsafe is not enabled on " + name, Duration.ZERO);
        }
        Duration granted = window.compareTo(config.failsafe().get().window()) < 0 ? window
                : config.failsafe().get().window();
        synchronized (failsafeLock) {
            Leadership l = state.leadership;
            MemberStatus s = state.own;
            LeaseView lease = view.lease();
            long seen = view.term();
            String refusal = state.closed.get() ? "the agent is stopping"
                    : primary.equals(name) ? "a member does not confirm to itself"
                    : l != null && l.isValid() ? name + " holds term " + l.term()
                    : state.pgWritable || (s != null && s.role() == Role.PRIMARY) ? name + "'s PostgreSQL is writable"
                    : term < seen || (term == seen && !lease.holder().equals(Optional.of(primary)))
                            ? "the Lease as " + name + " last saw it names " + lease.holder().orElse("no holder")
                                    + " in term " + seen + ": " + primary + "'s term " + term + " is not the latest"
                    : reachesApiServer(config.failsafe().get().timeout().dividedBy(2))
                            ? name + " reaches the API server: the Lease decides, not the failsafe"
                    : null;
            if (refusal != null) {
                LOG.debug("{}: failsafe request from {} refused: {}", name, primary, refusal);
                return new Answer(409, refusal, Duration.ZERO);
            }
            boolean fresh = barrier.running().isEmpty();
            if (!barrier.promise(primary, granted)) {
                return new Answer(409, name + " has an acquisition of the Lease in flight", Duration.ZERO);
            }
            if (fresh) {
                LOG.info("{}: promised {} (failsafe, term {}) not to take over for {}: neither reaches the API"
                        + " server", name, primary, term, granted);
            }
            return new Answer(200, "promised", granted);
        }
    }

    /** A fresh read of the Lease within {@code timeout}; a read still hanging from before counts as no. */
    private boolean reachesApiServer(Duration timeout) {
        Future<?> before = apiProbeInFlight;
        if (before != null && !before.isDone()) {
            return false;
        }
        Future<?> f;
        try {
            f = apiProbe.submit(() -> config.client().resources(Lease.class)
                    .inNamespace(config.namespace()).withName(config.cluster()).get());
        } catch (RejectedExecutionException e) {
            return false;
        }
        apiProbeInFlight = f;
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // not proven unreachable: refuse
        }
    }

    @Override
    public void close() {
        apiProbe.shutdownNow();
    }
}
