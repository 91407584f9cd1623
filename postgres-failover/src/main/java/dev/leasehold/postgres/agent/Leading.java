package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.SlotKeeper;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The holder's work on its own server: promote it for a new term; while it leads, announce the term once (history,
 * labels, Event), keep the synchronous set and a replication slot per member; and make commits wait while renews
 * fail. Runs on the loop thread; slot upkeep runs off it.
 */
final class Leading implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final AgentState state;
    private final ClusterView view;
    private final SyncKeeper sync;
    private final HistoryKeeper history;
    private final AgentListener listener;
    private final PodPublisher publisher;
    private final StatusBeat beat;
    private final LeaseAnnotations annotations;
    private final FailsafePromises promises;
    private final SlotKeeper slots;
    private final ExecutorService maintenance;
    private Future<?> slotWork;
    private long termAnnounced = -1;
    private long termSynced = -1;
    private long lastSlotsNanos;

    Leading(AgentConfig config, AgentState state, ClusterView view, SyncKeeper sync, HistoryKeeper history,
            AgentListener listener, PodPublisher publisher, StatusBeat beat, LeaseAnnotations annotations,
            FailsafePromises promises) {
        this.config = config;
        this.pg = config.member();
        this.name = config.name();
        this.state = state;
        this.view = view;
        this.sync = sync;
        this.history = history;
        this.listener = listener;
        this.publisher = publisher;
        this.beat = beat;
        this.annotations = annotations;
        this.promises = promises;
        this.slots = new SlotKeeper(config.leaseDuration().multipliedBy(30), System::nanoTime);
        this.maintenance = Executors.newSingleThreadExecutor(Agent.daemon("leasehold-agent-slots-" + name));
    }

    void promote(Leadership l) {
        promises.markWritableUnlessPromised();
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
        MemberStatus s = beat.sample();
        state.own = s;
        annotations.update(s, l, view.lease());
        LOG.info("{}: promoted for term {}: timeline {} -> {} at {}", name, l.term(), r.previousTimeline(),
                r.timeline(), r.lsn());
        lead(l, s);
    }

    /** A holder whose server is the primary: label, announce, keep slots. */
    void lead(Leadership l, MemberStatus s) {
        state.servedTerm = true; // cleared only by a fence
        if (termAnnounced != l.term()) {
            termAnnounced = l.term();
            history.primaryFor(l.term(), s, view.leaseAnnotations(), view.previousHolder())
                    .ifPresent(reason -> listener.onPromoted(l.term(), reason));
            beat.publish(s);
            view.previousHolder().filter(p -> !p.equals(name)).ifPresent(publisher::labelReplica);
            publisher.event("Primary", name + " is primary for term " + l.term() + " on timeline " + s.timeline());
        }
        if (sync != null && !state.holding) {
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

    void holdCommits(boolean hold) {
        if (hold) {
            CommitHold.apply(pg);
            state.holding = true;
            LOG.info("{}: renews are failing: commits now wait (synchronous_standby_names = {})", name,
                    CommitHold.NAME);
        } else {
            if (sync != null) {
                sync.restore(pg);
            } else {
                CommitHold.lift(pg);
            }
            state.holding = false;
            LOG.info("{}: renews succeed again: commits no longer wait", name);
        }
    }

    @Override
    public void close() {
        maintenance.shutdownNow();
    }
}
