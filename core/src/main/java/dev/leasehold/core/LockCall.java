package dev.leasehold.core;

import java.time.Duration;
import java.time.Instant;

/**
 * One call an elector made to its lock, as published to {@link ElectorListener#onLockCall(LockCall)}: the raw
 * material of renew and acquire timers.
 *
 * @param identity the candidate's identity
 * @param lock the lock's description
 * @param kind what the call was for
 * @param outcome how it ended
 * @param duration from the call's start to its outcome (for a timeout: the time the elector waited)
 * @param term the term the call renewed, released or (on a successful acquisition) won; 0 when none
 * @param at wall-clock time of the outcome, for people
 */
public record LockCall(String identity, String lock, Kind kind, Outcome outcome, Duration duration, long term,
        Instant at) {

    /** What a lock call was for. */
    public enum Kind {
        /** A write that tries to make this candidate the holder (create or compare-and-swap). */
        ACQUIRE,
        /** The leader's compare-and-swap that extends its term. */
        RENEW,
        /** The write that empties the holder when a leader closes or resigns. */
        RELEASE
    }

    /** How a lock call ended. */
    public enum Outcome {
        SUCCESS,
        /** Someone else wrote first (compare-and-swap lost, or the object already existed). */
        CONFLICT,
        /** The lock answered with an error. */
        ERROR,
        /** The elector stopped waiting at its call timeout. */
        TIMEOUT
    }
}
