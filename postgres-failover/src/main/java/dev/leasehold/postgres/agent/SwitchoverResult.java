package dev.leasehold.postgres.agent;

import java.util.Objects;

/**
 * A finished planned switchover: the target holds the Lease and its PostgreSQL is the writable primary.
 *
 * @param from the old primary (this member)
 * @param to the new primary
 * @param term the new primary's term
 * @param elapsedMs from the request to the target acknowledging writes, in milliseconds
 */
public record SwitchoverResult(String from, String to, long term, long elapsedMs) {
    public SwitchoverResult {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
