package dev.leasehold.postgres.agent;

import java.time.Duration;
import java.util.Objects;

/**
 * Another member's status as this agent last read it.
 *
 * @param status what it published
 * @param age how long ago, on this agent's monotonic clock, its heartbeat last changed
 */
public record Observed(MemberStatus status, Duration age) {

    public Observed {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(age, "age");
    }
}
