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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A lock on a {@code coordination.k8s.io/v1} Lease, wire-compatible with client-go's and fabric8's Lease locks:
 * {@code spec.holderIdentity}, {@code leaseDurationSeconds}, {@code acquireTime} and {@code renewTime}
 * ({@code MicroTime}), {@code leaseTransitions} (the elector's term), and {@code preferredHolder} when the
 * record carries one. Labels, annotations and {@code spec.strategy} are written back as read.
 *
 * <p>Reading: a missing holder means released, missing times are unknown, missing transitions are zero. A
 * holder without a lease duration, or a negative duration or transition count, is an unreadable record (logged,
 * treated as held by an unknown holder). Writing: times that the record does not carry are stamped with the
 * current time, because fabric8's reader requires both.
 *
 * <h2>Release</h2>
 * A release (PUT, so that it lands) names <em>no</em> holder and a lease of one second, keeping both times and
 * the transition count: client-go and fabric8 read a missing holder as free; kubernetes-client/java takes only a
 * null holder (or null times) as free and otherwise waits a whole lease of its own. The one-second lease is the
 * one client-go's release writes, for readers that wait out the record's lease. A held record always carries the
 * holder's real lease duration.
 *
 * <h2>Transition count at the int32 limit</h2>
 * {@code spec.leaseTransitions} is an int32. Once a term would pass 2147483647, the field stays at that value and
 * the term is carried in the annotation {@value #TRANSITIONS_ANNOTATION}; Leasehold reads the annotation only
 * while the field is at the limit. The Lease stays acquirable and terms keep rising; a client that knows only the
 * field sees it stay at the limit.
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

    /**
     * Where the term goes on once {@code spec.leaseTransitions} (an int32) has reached 2147483647: that field
     * stays at the limit and this annotation carries the full count, so the Lease stays acquirable and terms
     * keep rising.
     */
    public static final String TRANSITIONS_ANNOTATION = "leasehold.dev/leader-transitions";

    /** The lease duration a release writes (client-go's release writes the same). */
    private static final int RELEASED_LEASE_SECONDS = 1;

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
                transitions(lease, transitions == null ? 0 : transitions),
                Optional.ofNullable(spec.getPreferredHolder())));
    }

    /**
     * The term: {@code spec.leaseTransitions}, or, once that has reached the int32 limit, the count Leasehold
     * carries on in {@value #TRANSITIONS_ANNOTATION}.
     */
    private static long transitions(Lease lease, int spec) {
        String carried = lease.getMetadata().getAnnotations() == null ? null
                : lease.getMetadata().getAnnotations().get(TRANSITIONS_ANNOTATION);
        if (spec < Integer.MAX_VALUE || carried == null) {
            return spec;
        }
        long value;
        try {
            value = Long.parseLong(carried.trim());
        } catch (NumberFormatException e) {
            throw new RecordFormatException("annotation " + TRANSITIONS_ANNOTATION + " is not an integer: \""
                    + abbreviate(carried) + "\"");
        }
        if (value < Integer.MAX_VALUE) {
            throw new RecordFormatException("annotation " + TRANSITIONS_ANNOTATION + " is " + value
                    + ", below spec.leaseTransitions " + spec);
        }
        return value;
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    /**
     * Microseconds: a Lease keeps {@code acquireTime} and {@code renewTime} as {@code MicroTime}, so the elector
     * recognises its own acquisition whose answer was lost and leads on it at once.
     */
    @Override
    public Duration timePrecision() {
        return Duration.ofNanos(1_000);
    }

    @Override
    protected Lease writeRecord(Lease current, LeaderElectionRecord record, Instant now, LockSettings settings) {
        LeaseBuilder builder = current == null
                ? new LeaseBuilder().withNewMetadata().withNamespace(settings.namespace())
                        .withName(settings.name()).endMetadata()
                : new LeaseBuilder(current);
        long term = record.leaderTransitions();
        Map<String, String> annotations = current == null || current.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(current.getMetadata().getAnnotations());
        if (term >= Integer.MAX_VALUE) {
            // spec.leaseTransitions stays at the int32 limit; the term goes on counting in the annotation
            annotations.put(TRANSITIONS_ANNOTATION, Long.toString(term));
        } else {
            annotations.remove(TRANSITIONS_ANNOTATION);
        }
        boolean released = record.isReleased();
        int seconds = WholeSeconds.of("leaseDuration", record.leaseDuration());
        return builder.editMetadata().withAnnotations(annotations.isEmpty() ? null : annotations).endMetadata()
                .editOrNewSpec()
                // a release names no holder and lasts a second: every client reads it as free (see the class doc)
                .withHolderIdentity(released ? null : record.holderIdentity())
                .withLeaseDurationSeconds(released ? RELEASED_LEASE_SECONDS : seconds)
                .withAcquireTime(utc(record.acquireTime().orElse(now)))
                .withRenewTime(utc(record.renewTime().orElse(now)))
                .withLeaseTransitions((int) Math.min(term, Integer.MAX_VALUE))
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
