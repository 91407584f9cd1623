package dev.leasehold.postgres.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Decider} says to do: whether the elector may try to take a free Lease, and what to do to
 * PostgreSQL now.
 *
 * @param step the action on PostgreSQL
 * @param mayAcquire whether the elector may take a free or expired Lease (the acquisition gate)
 * @param reason why, in a sentence for logs and {@code /status}
 * @param target the member the step is about: the one to follow, rejoin or clone from; empty otherwise
 * @param deferral the better member this one waits for, and for how much longer, when it waits
 */
public record Decision(Step step, boolean mayAcquire, String reason, Optional<String> target,
        Optional<Deferral> deferral) {

    /** An action on this member's PostgreSQL. */
    public enum Step {
        /** Nothing to change. */
        NONE,
        /** Holder whose server is a standby: promote it. */
        PROMOTE,
        /** Holder without data: run initdb, start, record the system identifier. */
        INITDB,
        /** Holder whose renews fail: make new commits wait (unsatisfiable synchronous standby) until a renew lands. */
        HOLD_COMMITS,
        /** Stop the server now: writable without a valid term, or the renew deadline is at hand. */
        FENCE,
        /** Holder whose server died: start it again in place. */
        RESTART,
        /** Holder whose server stayed down or hung too long: fence, then give the Lease up. */
        RELEASE,
        /** A standby: point it at {@link #target()}. */
        FOLLOW,
        /** Stopped with data: rejoin {@link #target()} as its standby (rewind or re-clone if diverged). */
        REJOIN,
        /** No data: clone from {@link #target()}. */
        CLONE,
        /** Stopped with data and no holder to follow: start as a standby, so it can be chosen. */
        START_STANDBY,
        /** Data of another cluster: do nothing, and never compete. */
        REFUSE
    }

    /**
     * Waiting for a better member to take over.
     *
     * @param to the better member
     * @param left how much longer this member waits before it competes anyway
     */
    public record Deferral(String to, Duration left) {
        public Deferral {
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(left, "left");
        }
    }

    public Decision {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(reason, "reason");
        target = target == null ? Optional.empty() : target;
        deferral = deferral == null ? Optional.empty() : deferral;
    }

    static Decision of(Step step, boolean mayAcquire, String reason) {
        return new Decision(step, mayAcquire, reason, Optional.empty(), Optional.empty());
    }
}
