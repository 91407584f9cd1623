package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent knows about the others: the Lease (holder, published position, system identifier) and the
 * members' statuses from their pods' annotations, kept current by two informers (list + watch). Freshness is
 * measured on this process's monotonic clock from the moment a member's heartbeat was seen to change, never by
 * comparing the remote sample time with the local clock. A status that cannot be read is logged once per
 * change and ignored.
 */
final class ClusterView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

    /** Lease annotation: the cluster's system identifier. */
    static final String SYSTEM_ID = "leasehold.dev/system-id";
    /** Lease annotation: the primary's timeline at its last renew. */
    static final String TIMELINE = "leasehold.dev/timeline";
    /** Lease annotation: the primary's WAL position at its last renew. */
    static final String POSITION = "leasehold.dev/position";
    /** Lease annotation: the successor a primary named when it handed over on purpose; "" once served. */
    static final String SUCCESSOR = "leasehold.dev/successor";
    /** Lease annotation: a request, written by others, that the primary hand over (see {@link SwitchoverRequest}). */
    static final String SWITCHOVER_REQUEST = "leasehold.dev/switchover-request";
    /**
     * Lease annotation: the members a failsafe-enabled primary knows ({@link MemberList}), written with its
     * renews; "" when failsafe is off.
     */
    static final String MEMBERS = "leasehold.dev/members";
    /** Pod label naming the cluster a member belongs to. */
    static final String CLUSTER_LABEL = "leasehold.dev/cluster";

    private final String self;
    private final LongSupplier nanoTime;
    private final SharedIndexInformer<Lease> leases;
    private final SharedIndexInformer<Pod> pods;
    private final Map<String, Seen> seen = new HashMap<>();
    private final Map<String, String> badStatus = new HashMap<>();
    private String leaseVersion = "";
    private long leaseChangedNanos;
    private String holder = "";
    private String previousHolder = "";
    private Duration leaseDuration = Duration.ZERO;
    private Optional<String> systemId = Optional.empty();
    private Optional<LeaseView.Published> published = Optional.empty();
    private Map<String, String> leaseAnnotations = Map.of();
    private Optional<String> successor = Optional.empty();
    private Optional<SyncSet> syncSet = Optional.empty();
    private Optional<String> preferredHolder = Optional.empty();
    private String switchoverRequest = "";
    private Optional<MemberList> members = Optional.empty();
    private final java.util.Set<String> podNames = new java.util.TreeSet<>();
    private String badMembers = "";
    private long term;

    private record Seen(MemberStatus status, long heartbeatChangedNanos) {
    }

    ClusterView(KubernetesClient client, String namespace, String cluster, String self, LongSupplier nanoTime) {
        this.self = self;
        this.nanoTime = nanoTime;
        this.leaseChangedNanos = nanoTime.getAsLong();
        this.leases = client.resources(Lease.class).inNamespace(namespace).withName(cluster)
                .inform(handler(this::onLease), 0);
        this.pods = client.pods().inNamespace(namespace).withLabel(CLUSTER_LABEL, cluster)
                .inform(handler(this::onPod, this::onPodDeleted), 0);
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(java.util.function.Consumer<T> on) {
        return handler(on, gone -> { });
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(java.util.function.Consumer<T> on,
            java.util.function.Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                on.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                on.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                deleted.accept(obj);
            }
        };
    }

    private synchronized void onLease(Lease lease) {
        String version = Objects.toString(lease.getMetadata().getResourceVersion(), "");
        if (version.equals(leaseVersion)) {
            return;
        }
        leaseVersion = version;
        leaseChangedNanos = nanoTime.getAsLong();
        String newHolder = lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null ? ""
                : lease.getSpec().getHolderIdentity();
        if (!newHolder.equals(holder) && !holder.isEmpty()) {
            previousHolder = holder;
        }
        holder = newHolder;
        Integer seconds = lease.getSpec() == null ? null : lease.getSpec().getLeaseDurationSeconds();
        leaseDuration = Duration.ofSeconds(seconds == null ? 0 : seconds);
        Map<String, String> a = lease.getMetadata().getAnnotations() == null ? Map.of()
                : lease.getMetadata().getAnnotations();
        leaseAnnotations = Map.copyOf(a);
        systemId = Optional.ofNullable(a.get(SYSTEM_ID)).filter(s -> !s.isBlank());
        preferredHolder = Optional.ofNullable(lease.getSpec() == null ? null : lease.getSpec().getPreferredHolder())
                .filter(s -> !s.isBlank());
        successor = Optional.ofNullable(a.get(SUCCESSOR)).filter(s -> !s.isBlank()).or(() -> preferredHolder);
        switchoverRequest = Objects.toString(a.get(SWITCHOVER_REQUEST), "");
        members = readMembers(lease.getMetadata().getName(), a.get(MEMBERS));
        String sync = a.get(SyncSet.ANNOTATION);
        try {
            syncSet = sync == null || sync.isBlank() ? Optional.empty() : Optional.of(SyncSet.read(sync));
        } catch (IllegalArgumentException e) {
            // unreadable: no member can prove it holds every acknowledged commit, so none may take over
            LOG.warn("Lease {}: annotation {} is unreadable, counting it as an empty synchronous set: {}",
                    lease.getMetadata().getName(), SyncSet.ANNOTATION, e.getMessage());
            syncSet = Optional.of(new SyncSet("ANY", 0, java.util.List.of(), false));
        }
        Integer transitions = lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
        term = transitions == null ? 0 : transitions;
        try {
            String carried = a.get(dev.leasehold.lock.lease.LeaseLock.TRANSITIONS_ANNOTATION);
            term = carried == null ? term : Math.max(term, Long.parseLong(carried));
        } catch (NumberFormatException e) {
            LOG.debug("Lease {}: unreadable term annotation: {}", lease.getMetadata().getName(), e.toString());
        }
        try {
            published = a.containsKey(POSITION) && a.containsKey(TIMELINE)
                    ? Optional.of(new LeaseView.Published(Integer.parseInt(a.get(TIMELINE)), Lsn.parse(a.get(POSITION))))
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            LOG.warn("Lease {}: ignoring the published position {}={} {}={}: {}", lease.getMetadata().getName(),
                    TIMELINE, a.get(TIMELINE), POSITION, a.get(POSITION), e.getMessage());
            published = Optional.empty();
        }
    }

    /** The published member list; a value that is not one is logged once and counts as none. */
    private Optional<MemberList> readMembers(String lease, String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MemberList.read(text));
        } catch (IllegalArgumentException e) {
            if (!text.equals(badMembers)) {
                badMembers = text;
                LOG.warn("Lease {}: ignoring annotation {} = \"{}\": {}", lease, MEMBERS,
                        text.length() > 200 ? text.substring(0, 200) + "..." : text, e.getMessage());
            }
            return Optional.empty();
        }
    }

    private synchronized void onPodDeleted(Pod pod) {
        String name = pod.getMetadata().getName();
        podNames.remove(name);
        if (seen.remove(name) != null) {
            LOG.info("pod {} was deleted: no longer a member", name);
        }
        badStatus.remove(name);
    }

    private synchronized void onPod(Pod pod) {
        String name = pod.getMetadata().getName();
        podNames.add(name);
        if (name.equals(self)) {
            return;
        }
        String text = pod.getMetadata().getAnnotations() == null ? null
                : pod.getMetadata().getAnnotations().get(StatusCodec.ANNOTATION);
        if (text == null) {
            return;
        }
        MemberStatus status;
        try {
            status = StatusCodec.read(text);
            if (!status.name().equals(name)) {
                throw new IllegalArgumentException("field name = \"" + status.name() + "\" is not the pod's name");
            }
        } catch (IllegalArgumentException e) {
            if (!text.equals(badStatus.put(name, text))) {
                LOG.warn("pod {}: ignoring its status annotation {}: {}", name, StatusCodec.ANNOTATION,
                        e.getMessage());
            }
            seen.remove(name);
            return;
        }
        badStatus.remove(name);
        Seen before = seen.get(name);
        long changed = before != null && before.status().heartbeat() == status.heartbeat()
                ? before.heartbeatChangedNanos() : nanoTime.getAsLong();
        seen.put(name, new Seen(status, changed));
    }

    /** The Lease as seen now, and its version ("" when never seen). */
    record VersionedLease(LeaseView lease, String version) {
    }

    /** The Lease as seen now, with the version it was read at, both from one instant of the view. */
    synchronized VersionedLease versionedLease() {
        return new VersionedLease(lease(), leaseVersion);
    }

    /** The Lease as seen now. */
    synchronized LeaseView lease() {
        long now = nanoTime.getAsLong();
        Duration free;
        if (leaseVersion.isEmpty()) {
            free = Duration.ZERO;
        } else if (holder.isEmpty()) {
            free = Duration.ofNanos(now - leaseChangedNanos);
        } else {
            long expiry = leaseChangedNanos + leaseDuration.toNanos();
            free = Duration.ofNanos(Math.max(0, now - expiry));
        }
        return new LeaseView(Optional.of(holder), free, systemId, published, successor, syncSet, members,
                leaseVersion);
    }

    /** The Lease's term (its transition count) as last seen. */
    synchronized long term() {
        return term;
    }

    /** {@code spec.preferredHolder} as last seen, when set. */
    synchronized Optional<String> preferredHolder() {
        return preferredHolder;
    }

    /** The raw value of the switchover-request annotation as last seen; "" when none. */
    synchronized String switchoverRequest() {
        return switchoverRequest;
    }

    /** The Lease's annotations as last seen. */
    synchronized Map<String, String> leaseAnnotations() {
        return leaseAnnotations;
    }

    /** Whether the Lease object exists (as far as this view knows). */
    synchronized boolean leaseExists() {
        return !leaseVersion.isEmpty();
    }

    /** The holder before the current one (the primary a new holder replaces); empty when none was seen. */
    synchronized Optional<String> previousHolder() {
        return Optional.of(previousHolder).filter(h -> !h.isEmpty());
    }

    /** The names of the cluster's pods as last listed (this member's included), whether or not they publish. */
    synchronized java.util.SortedSet<String> pods() {
        return new java.util.TreeSet<>(podNames);
    }

    /**
     * This member, every pod of the cluster and every member whose status it reads: the list a failsafe primary
     * publishes and asks. A pod counts from its creation, before its agent publishes anything.
     */
    java.util.SortedSet<String> knownMembers() {
        java.util.SortedSet<String> all = pods();
        all.addAll(others().keySet());
        all.add(self);
        return all;
    }

    /** The other members' statuses, with their ages. */
    synchronized Map<String, Observed> others() {
        long now = nanoTime.getAsLong();
        Map<String, Observed> out = new HashMap<>();
        seen.forEach((name, s) -> out.put(name, new Observed(s.status(), Duration.ofNanos(now - s.heartbeatChangedNanos()))));
        return out;
    }

    /** One member's last status, if readable. */
    synchronized Optional<MemberStatus> status(String name) {
        return Optional.ofNullable(seen.get(name)).map(Seen::status);
    }

    @Override
    public void close() {
        leases.close();
        pods.close();
    }
}
