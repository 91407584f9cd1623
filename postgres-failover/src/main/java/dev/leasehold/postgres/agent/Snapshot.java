package dev.leasehold.postgres.agent;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@link Decider} looks at: one instant of this member's world.
 *
 * @param own this member's own status, sampled just now
 * @param ownUnhealthyFor how long its PostgreSQL has been down or unresponsive (zero while healthy)
 * @param leadership this member's term, when its elector says it leads
 * @param lease the Lease as this agent last read it
 * @param others the other members' statuses as last read (this member excluded)
 * @param failsafe how much longer every member's failsafe confirmation keeps this primary writable without a
 *     valid term, the fence margin already taken off; zero when none holds
 * @param promisedTo the primary this member promised (failsafe) not to take over from, while the promise runs
 */
public record Snapshot(MemberStatus own, Duration ownUnhealthyFor, Optional<Term> leadership, LeaseView lease,
        Map<String, Observed> others, Duration failsafe, Optional<String> promisedTo) {

    /** A snapshot without failsafe. */
    public Snapshot(MemberStatus own, Duration ownUnhealthyFor, Optional<Term> leadership, LeaseView lease,
            Map<String, Observed> others) {
        this(own, ownUnhealthyFor, leadership, lease, others, Duration.ZERO, Optional.empty());
    }

    /**
     * This member's term as the agent sees it.
     *
     * @param term the fencing token (the Lease's transition count at acquisition)
     * @param valid whether the elector still calls the term valid
     * @param remaining the agent's own estimate of the time left before the renew deadline: renewDeadline minus
     *     the time since the last renew that succeeded
     */
    public record Term(long term, boolean valid, Duration remaining) {
        public Term {
            Objects.requireNonNull(remaining, "remaining");
        }
    }

    public Snapshot {
        Objects.requireNonNull(own, "own");
        Objects.requireNonNull(ownUnhealthyFor, "ownUnhealthyFor");
        leadership = leadership == null ? Optional.empty() : leadership;
        Objects.requireNonNull(lease, "lease");
        others = Map.copyOf(others);
        failsafe = failsafe == null || failsafe.isNegative() ? Duration.ZERO : failsafe;
        promisedTo = promisedTo == null ? Optional.empty() : promisedTo;
    }
}
