package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's side of the API-server outage failsafe, on a thread of its own: while this member is the writable
 * primary and its renews fail, it asks every known member for a promise (see {@link Failsafe}), and says how long
 * the promises gathered keep the server writable, never past {@code failsafeLimit} per outage. Does nothing, and
 * keeps nothing writable, when the failsafe is off.
 */
final class FailsafeRounds implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's

    private final AgentConfig config;
    private final String name;
    private final AgentState state;
    private final ClusterView view;
    private final Failsafe failsafe;
    private final ScheduledExecutorService rounds;
    private long lastRoundNanos;
    private boolean lastRoundConfirmed;
    private boolean failsafeKept;

    FailsafeRounds(AgentConfig config, AgentState state, ClusterView view) {
        this.config = config;
        this.name = config.name();
        this.state = state;
        this.view = view;
        this.failsafe = config.failsafe().isPresent() ? new Failsafe(name, config, System::nanoTime) : null;
        this.rounds = failsafe == null ? null
                : Executors.newSingleThreadScheduledExecutor(Agent.daemon("leasehold-agent-failsafe-" + name));
    }

    /** Whether the failsafe is on. */
    boolean enabled() {
        return failsafe != null;
    }

    /** Starts the rounds, after a warm-up request to this agent's own endpoint on {@code ownPort} when it runs. */
    void start(Optional<Integer> ownPort) {
        if (rounds != null) {
            ownPort.ifPresent(port -> rounds.execute(() -> failsafe.warmUp(port)));
            long every = config.retryPeriod().toNanos() / 4;
            rounds.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /** How much longer every member's confirmation keeps this primary writable without a term; zero: none. */
    Duration remaining() {
        return failsafe == null ? Duration.ZERO : failsafe.remaining();
    }

    /** Forgets what was proven: the server was fenced. */
    void clear() {
        if (failsafe != null) {
            failsafe.clear();
        }
    }

    /**
     * Runs every quarter retry period on the failsafe thread: while this member is the writable primary and its
     * renews fail (the last one succeeded more than 1.1 retry periods ago, or the term ended), asks every member
     * for a confirmation, at most every half retry period, at once again after a round that proved nothing.
     */
    private void tick() {
        try {
            MemberStatus s = state.own;
            Leadership l = state.leadership;
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
            if (state.closed.get() || !state.pgWritable || !state.servedTerm || s == null || s.role() != Role.PRIMARY
                    || state.switchingTo != null) {
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
            Set<String> names = new TreeSet<>(view.knownMembers());
            view.lease().members().ifPresent(list -> names.addAll(list.names()));
            names.remove(name);
            List<Failsafe.Peer> peers = new ArrayList<>();
            for (String m : names) {
                peers.add(view.status(m).map(o -> new Failsafe.Peer(m, o.host(), o.agentPort()))
                        .orElse(new Failsafe.Peer(m, "", 0)));
            }
            Failsafe.Round r = failsafe.round(state.lastTerm, peers);
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

    @Override
    public void close() {
        if (rounds != null) {
            rounds.shutdownNow();
        }
    }
}
