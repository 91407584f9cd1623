package dev.leasehold.postgres;

import java.util.Optional;

/**
 * One replication connection as the sending server sees it ({@code pg_stat_replication}).
 *
 * @param applicationName the standby's {@code application_name} (its slot name here)
 * @param clientAddress the standby's address, if TCP
 * @param state walsender state, e.g. {@code streaming}, {@code catchup}
 * @param syncState {@code async}, {@code potential}, {@code sync} or {@code quorum}
 * @param replayLsn how far the standby has replayed, if it reported it
 * @param lagBytes sender's current position minus the standby's replay position (0 if unknown)
 */
public record ReplicationConnection(String applicationName, Optional<String> clientAddress, String state,
        String syncState, Optional<Lsn> replayLsn, long lagBytes) {

    /** Whether the primary counts this standby as synchronous now ({@code sync} or {@code quorum}). */
    public boolean synchronous() {
        return "sync".equals(syncState) || "quorum".equals(syncState);
    }
}
