package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionConfig;
import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StateChange;
import dev.leasehold.core.spi.LeaderElectionRecord;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an elector tells people and listeners: one INFO line per state change, a {@link StateChange} per
 * transition, a {@link LockCall} per acquire, renew and release outcome, and each new holder it sees
 * (new-leader), queued in order with the callbacks. Used under the election loop's mutex; {@link #currentLeader()}
 * is also read without it.
 */
final class Reports {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final ElectionConfig config;
    private final ElectionScheduler clock;
    private final Outbox outbox;
    private final String name;
    private final String lock;
    private volatile String observedHolder = "";
    private String reportedLeader = "";

    Reports(ElectionConfig config, Outbox outbox, String name) {
        this.config = config;
        this.clock = config.scheduler();
        this.outbox = outbox;
        this.name = name;
        this.lock = config.lock().describe();
    }

    void transition(ElectorState from, ElectorState to, long term, String reason, StateChange.Cause cause,
            Duration takeoverLatency) {
        if (to == ElectorState.LEADING || from == ElectorState.LEADING) {
            log.info("{}: {} -> {} (term {}, {})", name, from, to, term, reason);
        } else {
            log.info("{}: {} -> {} ({})", name, from, to, reason);
        }
        config.listener().ifPresent(listener -> {
            StateChange change = new StateChange(config.identity(), lock, from, to, term, reason, clock.wallTime(),
                    cause, takeoverLatency);
            outbox.callback("listener", () -> listener.onTransition(change));
        });
    }

    /** The holder the lock names now (empty: none known); new-leader is called for each new one. */
    void holder(String holder) {
        observedHolder = holder;
        if (!holder.isEmpty() && !holder.equals(reportedLeader)) {
            reportedLeader = holder;
            outbox.callback("new-leader", () -> config.onNewLeader().accept(holder));
        }
    }

    /** The holder last seen, if any. */
    Optional<String> currentLeader() {
        String holder = observedHolder;
        return holder.isEmpty() ? Optional.empty() : Optional.of(holder);
    }

    /** Why a leader that read {@code record} lost its term. */
    static String lostTo(Optional<LeaderElectionRecord> record, String identity) {
        String holder = record.map(LeaderElectionRecord::holderIdentity).orElse("");
        return holder.isEmpty() ? "the lock names no holder"
                : holder.equals(identity) ? "the lock names this identity with term "
                        + record.get().leaderTransitions() + ", another process's"
                : "the lock now names " + holder;
    }

    void lockCall(LockCall.Kind kind, LockCall.Outcome outcome, long startNanos, long term) {
        config.listener().ifPresent(listener -> {
            LockCall call = new LockCall(config.identity(), lock, kind, outcome,
                    Duration.ofNanos(Math.max(0, clock.nanoTime() - startNanos)), term, clock.wallTime());
            outbox.callback("listener", () -> listener.onLockCall(call));
        });
    }
}
