package dev.leasehold.spring;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code leasehold} in Actuator's health: DOWN when the elector believes it leads although its renew deadline
 * passed more than a retry period ago (its timer is stuck: restart the process), UP otherwise, UNKNOWN while the
 * election is not running. Details: identity, state, whether this application leads, the term and the leader.
 */
public final class LeaseholdHealthIndicator implements HealthIndicator {

    private final LeaseholdElection election;

    public LeaseholdHealthIndicator(LeaseholdElection election) {
        this.election = election;
    }

    @Override
    public Health health() {
        return election.health().map(h -> {
            Health.Builder builder = h.healthy() ? Health.up() : Health.down();
            builder.withDetail("identity", election.identity())
                    .withDetail("lock", election.settings().describe())
                    .withDetail("state", election.elector().map(e -> e.state().toString()).orElse("NEW"))
                    .withDetail("leader", election.isLeader())
                    .withDetail("detail", h.detail());
            election.leadership().ifPresent(l -> builder.withDetail("term", l.term()));
            election.currentLeader().ifPresent(holder -> builder.withDetail("currentLeader", holder));
            return builder.build();
        }).orElseGet(() -> Health.unknown().withDetail("identity", election.identity())
                .withDetail("detail", "the election is not running").build());
    }
}
