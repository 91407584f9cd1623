package dev.leasehold.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One transition of an elector, as published to {@link ElectorListener}s.
 *
 * @param identity the candidate's identity
 * @param lock the lock's description
 * @param from the state left
 * @param to the state entered
 * @param term the term of the leadership gained or lost, 0 when none is involved
 * @param reason why, in a few words (e.g. "acquired", "renew deadline passed", "another holder")
 * @param at wall-clock time of the transition, for people
 * @param cause the reason as a value, for metrics
 * @param takeoverLatency on an acquisition: from the instant this candidate could first take the lock (it saw a
 *     release, or the lease expired on its clock) to the successful write; zero otherwise
 */
public record StateChange(String identity, String lock, ElectorState from, ElectorState to, long term,
        String reason, Instant at, Cause cause, Duration takeoverLatency) {

    public StateChange {
        Objects.requireNonNull(cause, "cause");
        takeoverLatency = takeoverLatency == null ? Duration.ZERO : takeoverLatency;
    }

    /** Why an elector changed state. */
    public enum Cause {
        /** {@code start()} was called. */
        STARTED,
        /** This candidate won the lock. */
        ACQUIRED,
        /** The renew deadline passed without a successful renew. */
        RENEW_DEADLINE,
        /** The lock names another holder, another term, or no holder. */
        LOST,
        /** The leader gave the lock up (resign) and keeps competing. */
        RESIGNED,
        /** {@code close()}: the elector stopped for good. */
        CLOSED
    }
}
