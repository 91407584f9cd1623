package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What this agent knows about the cluster's Lease, from its own reads.
 *
 * @param holder the holder the Lease names; empty when released or never held
 * @param freeFor how long the Lease has been free for this agent: zero while a holder's lease runs (on this
 *     agent's clock, counted like the elector counts expiry); the time since it expired or was released after
 * @param systemId the cluster's system identifier, once the first primary recorded it
 * @param published the last primary position the holder published with a renew
 * @param successor the member a primary that handed over on purpose named as its successor (annotation
 *     {@value ClusterView#SUCCESSOR}, or {@code spec.preferredHolder} when the API server keeps it)
 * @param syncSet the synchronous set the primary published; empty: asynchronous replication
 * @param members the member list a failsafe-enabled primary published (annotation {@value ClusterView#MEMBERS});
 *     empty when none was: a member not on a published list may take the Lease only after its off-list wait
 * @param version the Lease's {@code resourceVersion} as read; "" when unknown
 */
public record LeaseView(Optional<String> holder, Duration freeFor, Optional<String> systemId,
        Optional<Published> published, Optional<String> successor, Optional<SyncSet> syncSet,
        Optional<MemberList> members, String version) {

    /** A primary's published position: its timeline and WAL position at its last renew. */
    public record Published(int timeline, Lsn position) {
        public Published {
            Objects.requireNonNull(position, "position");
        }
    }

    public LeaseView {
        holder = holder == null ? Optional.empty() : holder.filter(h -> !h.isEmpty());
        Objects.requireNonNull(freeFor, "freeFor");
        systemId = systemId == null ? Optional.empty() : systemId;
        published = published == null ? Optional.empty() : published;
        successor = successor == null ? Optional.empty() : successor.filter(h -> !h.isEmpty());
        syncSet = syncSet == null ? Optional.empty() : syncSet;
        members = members == null ? Optional.empty() : members;
        version = version == null ? "" : version;
    }

    /** A Lease read at no known version. */
    public LeaseView(Optional<String> holder, Duration freeFor, Optional<String> systemId,
            Optional<Published> published, Optional<String> successor, Optional<SyncSet> syncSet,
            Optional<MemberList> members) {
        this(holder, freeFor, systemId, published, successor, syncSet, members, "");
    }

    /** A Lease with no published member list. */
    public LeaseView(Optional<String> holder, Duration freeFor, Optional<String> systemId,
            Optional<Published> published, Optional<String> successor, Optional<SyncSet> syncSet) {
        this(holder, freeFor, systemId, published, successor, syncSet, Optional.empty());
    }

    /** A Lease with no synchronous set. */
    public LeaseView(Optional<String> holder, Duration freeFor, Optional<String> systemId,
            Optional<Published> published, Optional<String> successor) {
        this(holder, freeFor, systemId, published, successor, Optional.empty());
    }

    /** A Lease that names no successor. */
    public LeaseView(Optional<String> holder, Duration freeFor, Optional<String> systemId,
            Optional<Published> published) {
        this(holder, freeFor, systemId, published, Optional.empty());
    }

    /** A Lease that does not exist yet. */
    public static LeaseView none() {
        return new LeaseView(Optional.empty(), Duration.ZERO, Optional.empty(), Optional.empty());
    }

    /** Whether a holder's lease is running (not expired, not released). */
    public boolean held() {
        return holder.isPresent() && freeFor.isZero();
    }
}
