package dev.leasehold.postgres.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings {@link Decider} applies; a frozen part of {@link AgentConfig}.
 *
 * @param maximumLagOnFailover the most bytes a member may be behind the primary's last published position and
 *     still take over
 * @param statusTtl how long another member's status counts after its heartbeat last changed
 * @param deferGrace how long a member waits for a better one after the Lease became free, before it competes
 *     anyway
 * @param laggingFailoverAfter when every member lags beyond {@code maximumLagOnFailover}: how long the Lease must
 *     have been free before the freshest healthy member takes over anyway (losing the bytes it lacks); empty
 *     (the default) never: the cluster stays without a primary and says why
 * @param holdCommitsBelow a holder whose estimated term time left falls below this makes commits wait
 * @param fenceBelow a holder whose estimated term time left falls below this stops its server, before the
 *     elector's own deadline
 * @param restartWithin how long a holder tries to restart its dead server in place before it gives the Lease up
 * @param hangTimeout how long a holder's running server may stay unresponsive before it is fenced and the Lease
 *     given up
 */
public record DecisionRules(long maximumLagOnFailover, Duration statusTtl, Duration deferGrace,
        Optional<Duration> laggingFailoverAfter, Duration holdCommitsBelow, Duration fenceBelow,
        Duration restartWithin, Duration hangTimeout) {

    public DecisionRules {
        Objects.requireNonNull(statusTtl, "statusTtl");
        Objects.requireNonNull(deferGrace, "deferGrace");
        laggingFailoverAfter = laggingFailoverAfter == null ? Optional.empty() : laggingFailoverAfter;
        Objects.requireNonNull(holdCommitsBelow, "holdCommitsBelow");
        Objects.requireNonNull(fenceBelow, "fenceBelow");
        Objects.requireNonNull(restartWithin, "restartWithin");
        Objects.requireNonNull(hangTimeout, "hangTimeout");
    }
}
