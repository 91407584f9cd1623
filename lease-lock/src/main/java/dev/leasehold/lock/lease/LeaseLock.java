package dev.leasehold.lock.lease;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import dev.leasehold.lock.support.KubernetesObjectLock;
import dev.leasehold.lock.support.LockSettings;
import dev.leasehold.lock.support.RecordFormatException;
import dev.leasehold.lock.support.WholeSeconds;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A lock on a {@code coordination.k8s.io/v1} Lease, wire-compatible with client-go's and fabric8's Lease locks:
 * {@code spec.holderIdentity}, {@code leaseDurationSeconds}, {@code acquireTime} and {@code renewTime}
 * ({@code MicroTime}), {@code leaseTransitions} (the elector's term), and {@code preferredHolder} when the
 * record carries one. Labels, annotations and {@code spec.strategy} are written back as read.
 *
 * <p>Reading: a missing holder means released (this is how a fabric8 release, whose null holder a merge patch
 * drops, would look if it landed), missing times are unknown, missing transitions are zero. A holder without a
 * lease duration, or a negative duration or transition count, is an unreadable record (logged, treated as held
 * by an unknown holder). Writing: times that the record does not carry are stamped with the current time,
 * because fabric8's reader requires both; a release writes an empty holder that really lands (PUT, not merge
 * patch).
 *
 * <h2>RBAC</h2>
 * In the lock's namespace, on {@code leases} in API group {@code coordination.k8s.io}: {@code get},
 * {@code update}, {@code watch} with {@code resourceNames: [<name>]}, and {@code create} without resourceNames
 * (Kubernetes cannot restrict create by name). Drop {@code create} if the Lease is created in advance.
 * <pre>
 * - apiGroups: ["coordination.k8s.io"]
 *   resources: ["leases"]
 *   resourceNames: ["my-app"]
 *   verbs: ["get", "update", "watch"]
 * - apiGroups: ["coordination.k8s.io"]
 *   resources: ["leases"]
 *   verbs: ["create"]
 * </pre>
 *
 * <p>The lock talks through a bounded view of the client you pass in and does not close it.
 */
public final class LeaseLock extends KubernetesObjectLock<Lease> {

    private LeaseLock(LockSettings settings) {
        super(settings, Lease.class, "Lease");
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected Optional<LeaderElectionRecord> readRecord(Lease lease) {
        LeaseSpec spec = lease.getSpec();
        if (spec == null) {
            return Optional.empty();
        }
        String holder = spec.getHolderIdentity() == null ? "" : spec.getHolderIdentity();
        Integer seconds = spec.getLeaseDurationSeconds();
        if (seconds == null && !holder.isEmpty()) {
            throw new RecordFormatException("holder \"" + holder + "\" but no spec.leaseDurationSeconds");
        }
        if (seconds != null && seconds < 0) {
            throw new RecordFormatException("spec.leaseDurationSeconds is negative: " + seconds);
        }
        Integer transitions = spec.getLeaseTransitions();
        if (transitions != null && transitions < 0) {
            throw new RecordFormatException("spec.leaseTransitions is negative: " + transitions);
        }
        return Optional.of(new LeaderElectionRecord(holder, Duration.ofSeconds(seconds == null ? 0 : seconds),
                Optional.ofNullable(spec.getAcquireTime()).map(ZonedDateTime::toInstant),
                Optional.ofNullable(spec.getRenewTime()).map(ZonedDateTime::toInstant),
                transitions == null ? 0 : transitions,
                Optional.ofNullable(spec.getPreferredHolder())));
    }

    @Override
    protected Lease writeRecord(Lease current, LeaderElectionRecord record, Instant now, LockSettings settings) {
        LeaseBuilder builder = current == null
                ? new LeaseBuilder().withNewMetadata().withNamespace(settings.namespace())
                        .withName(settings.name()).endMetadata()
                : new LeaseBuilder(current);
        if (record.leaderTransitions() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("leaderTransitions does not fit spec.leaseTransitions (int32): "
                    + record.leaderTransitions());
        }
        return builder.editOrNewSpec()
                .withHolderIdentity(record.holderIdentity())
                .withLeaseDurationSeconds(WholeSeconds.of("leaseDuration", record.leaseDuration()))
                .withAcquireTime(utc(record.acquireTime().orElse(now)))
                .withRenewTime(utc(record.renewTime().orElse(now)))
                .withLeaseTransitions((int) record.leaderTransitions())
                .withPreferredHolder(record.preferredHolder().orElse(null))
                .endSpec()
                .build();
    }

    private static ZonedDateTime utc(Instant instant) {
        return instant.atZone(ZoneOffset.UTC);
    }

    /** Builds a {@link LeaseLock}; see {@link KubernetesLockBuilder} for the settings. */
    public static final class Builder extends KubernetesLockBuilder<Builder, LeaseLock> {

        private Builder() {
        }

        @Override
        public LeaseLock build() {
            return new LeaseLock(settings());
        }
    }
}
