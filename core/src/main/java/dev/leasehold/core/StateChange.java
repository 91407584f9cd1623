package dev.leasehold.core;

import java.time.Instant;

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
 */
public record StateChange(String identity, String lock, ElectorState from, ElectorState to, long term,
        String reason, Instant at) {
}
