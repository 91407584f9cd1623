package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What one member publishes about itself with every heartbeat (in its own pod's annotation), and what its agent
 * feeds to {@link Decider} about its own server.
 *
 * @param name the member's name (its pod's name)
 * @param role what its PostgreSQL is right now
 * @param healthy whether its PostgreSQL answered the last probe within the probe timeout
 * @param timeline the timeline it writes or replays; 0 when unknown
 * @param position the furthest WAL position it has (a primary's current position, else the later of received
 *     and replayed); empty when unknown
 * @param upstream the member it streams from, when it is a streaming standby
 * @param noFailover the {@code nofailover} tag: never take over
 * @param priority the {@code priority} tag: among members at the same position, the higher wins
 * @param host where the others reach its PostgreSQL
 * @param port its PostgreSQL port
 * @param systemId the cluster's system identifier its data directory carries; empty without data
 * @param heartbeat a counter raised with every publication; observers measure freshness by when it last changed
 *     on their own clock, never by comparing {@code sampledAt} with theirs
 * @param agentVersion the publishing agent's version
 * @param sampledAt wall-clock time of the sample, for people
 * @param agentPort the port of the member's agent HTTP endpoints, on {@code host}; 0 when they are off or unknown
 *     (the primary asks its peers for failsafe confirmations there)
 * @param freeLease the version ({@code resourceVersion}) of the Lease as this member saw it free (expired or
 *     released) before it took this sample; empty while it saw a holder's lease run. In synchronous mode a
 *     candidate counts a set member's position only when it names the free Lease the candidate sees: the old
 *     primary's guard stopped its server before any member can see its lease expire, so such a position holds
 *     every commit that member ever confirmed to it
 */
public record MemberStatus(String name, Role role, boolean healthy, int timeline, Optional<Lsn> position,
        Optional<String> upstream, boolean noFailover, int priority, String host, int port, Optional<String> systemId,
        long heartbeat, String agentVersion, Instant sampledAt, int agentPort, Optional<String> freeLease) {

    /** What a member's PostgreSQL is. */
    public enum Role {
        /** Accepts writes. */
        PRIMARY,
        /** A standby (streaming or not). */
        REPLICA,
        /** Data directory present, server not running. */
        STOPPED,
        /** No data directory yet (before bootstrap or clone). */
        EMPTY,
        /** A server runs but does not answer in time (hung, starting, recovering). */
        UNRESPONSIVE
    }

    public MemberStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        position = position == null ? Optional.empty() : position;
        upstream = upstream == null ? Optional.empty() : upstream;
        systemId = systemId == null ? Optional.empty() : systemId;
        host = host == null ? "" : host;
        agentVersion = agentVersion == null ? "" : agentVersion;
        sampledAt = sampledAt == null ? Instant.EPOCH : sampledAt;
        freeLease = freeLease == null ? Optional.empty() : freeLease;
        if (agentPort < 0 || agentPort > 65535) {
            throw new IllegalArgumentException("agentPort = " + agentPort + " is not a port (0 = none)");
        }
    }

    /** A status that names no free Lease. */
    public MemberStatus(String name, Role role, boolean healthy, int timeline, Optional<Lsn> position,
            Optional<String> upstream, boolean noFailover, int priority, String host, int port,
            Optional<String> systemId, long heartbeat, String agentVersion, Instant sampledAt, int agentPort) {
        this(name, role, healthy, timeline, position, upstream, noFailover, priority, host, port, systemId, heartbeat,
                agentVersion, sampledAt, agentPort, Optional.empty());
    }

    /** A status without an agent endpoint. */
    public MemberStatus(String name, Role role, boolean healthy, int timeline, Optional<Lsn> position,
            Optional<String> upstream, boolean noFailover, int priority, String host, int port,
            Optional<String> systemId, long heartbeat, String agentVersion, Instant sampledAt) {
        this(name, role, healthy, timeline, position, upstream, noFailover, priority, host, port, systemId, heartbeat,
                agentVersion, sampledAt, 0);
    }

    /** Whether this member's server runs as a standby and answered its last probe. */
    public boolean healthyReplica() {
        return healthy && role == Role.REPLICA;
    }

    /**
     * Why this member cannot take a planned switchover from {@code primary}, judged on this status alone (the
     * primary's agent also requires the status to be fresh); empty when it can. The agent and leaseholdctl both
     * ask this, so a CLI refuses at once what the agent would refuse.
     */
    public Optional<String> switchoverIneligibility(String primary) {
        if (noFailover) {
            return Optional.of("it is tagged nofailover");
        }
        if (!healthyReplica()) {
            return Optional.of("it is not a healthy standby (" + role + (healthy ? "" : ", unhealthy") + ")");
        }
        if (!upstream.equals(Optional.of(primary))) {
            return Optional.of("it does not stream from " + primary + " (upstream " + upstream.orElse("none") + ")");
        }
        return Optional.empty();
    }

    /** The same status with another heartbeat and sample time. */
    public MemberStatus beat(long nextHeartbeat, Instant at) {
        return new MemberStatus(name, role, healthy, timeline, position, upstream, noFailover, priority, host, port,
                systemId, nextHeartbeat, agentVersion, at, agentPort, freeLease);
    }

    /** This status, saying which free Lease (its version) the member saw before sampling; empty: none. */
    public MemberStatus withFreeLease(Optional<String> version) {
        return new MemberStatus(name, role, healthy, timeline, position, upstream, noFailover, priority, host, port,
                systemId, heartbeat, agentVersion, sampledAt, agentPort, version);
    }
}
