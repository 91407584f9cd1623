package dev.leasehold.cli;

import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.postgres.agent.AgentHistory;
import dev.leasehold.postgres.agent.MemberStatus;
import dev.leasehold.postgres.agent.StatusCodec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One read of a cluster as its agents publish it: the Lease (holder, term, published timeline and position,
 * history) and the member pods (label {@code leasehold.dev/cluster=<cluster>}) with their status annotations.
 *
 * @param namespace where it lives
 * @param name the cluster's (and its Lease's) name
 * @param lease the Lease as read
 * @param members the member pods, by name, each with its status or why it has none
 */
record Cluster(String namespace, String name, Lease lease, List<Member> members) {
    static final String CLUSTER_LABEL = "leasehold.dev/cluster";
    static final String TIMELINE = "leasehold.dev/timeline";
    static final String POSITION = "leasehold.dev/position";

    /**
     * One member pod.
     *
     * @param name the pod's name
     * @param status its published status, when readable
     * @param problem why there is no status (missing or unreadable annotation)
     * @param labels the pod's labels, the cluster label left out
     */
    record Member(String name, Optional<MemberStatus> status, Optional<String> problem, Map<String, String> labels) {
    }

    /** Reads the Lease and the pods; fails with a sentence on no Lease or a refusal. */
    static Cluster read(KubernetesClient client, String namespace, String name) {
        Lease lease = lease(client, namespace, name);
        List<Pod> pods;
        try {
            pods = client.pods().inNamespace(namespace).withLabel(CLUSTER_LABEL, name).list().getItems();
        } catch (KubernetesClientException e) {
            throw ApiErrors.explain(e, "list", "pods (label " + CLUSTER_LABEL + "=" + name + ")", namespace);
        }
        List<Member> members = new ArrayList<>();
        for (Pod pod : pods) {
            String podName = pod.getMetadata().getName();
            Map<String, String> labels = new TreeMap<>(pod.getMetadata().getLabels() == null ? Map.of()
                    : pod.getMetadata().getLabels());
            labels.remove(CLUSTER_LABEL);
            String text = pod.getMetadata().getAnnotations() == null ? null
                    : pod.getMetadata().getAnnotations().get(StatusCodec.ANNOTATION);
            if (text == null) {
                members.add(new Member(podName, Optional.empty(), Optional.of("no status published yet ("
                        + StatusCodec.ANNOTATION + " missing)"), labels));
                continue;
            }
            try {
                MemberStatus s = StatusCodec.read(text);
                if (!s.name().equals(podName)) {
                    throw new IllegalArgumentException("field name = \"" + s.name() + "\" is not the pod's name");
                }
                members.add(new Member(podName, Optional.of(s), Optional.empty(), labels));
            } catch (IllegalArgumentException e) {
                members.add(new Member(podName, Optional.empty(), Optional.of("unreadable "
                        + StatusCodec.ANNOTATION + ": " + e.getMessage()), labels));
            }
        }
        members.sort(Comparator.comparing(Member::name));
        return new Cluster(namespace, name, lease, List.copyOf(members));
    }

    /** The cluster's Lease; a sentence when there is none or it may not be read. */
    static Lease lease(KubernetesClient client, String namespace, String name) {
        Lease lease;
        try {
            lease = client.resources(Lease.class).inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw ApiErrors.explain(e, "get", "leases.coordination.k8s.io \"" + name + "\"", namespace);
        }
        if (lease == null) {
            throw new CliException("no cluster \"" + name + "\" in namespace " + namespace + ": there is no Lease "
                    + name + " (check --cluster and --namespace; the agents create it when they start)");
        }
        return lease;
    }

    static Map<String, String> annotations(Lease lease) {
        return lease.getMetadata().getAnnotations() == null ? Map.of() : lease.getMetadata().getAnnotations();
    }

    /** The holder the Lease names, if any. */
    static Optional<String> holder(Lease lease) {
        return Optional.ofNullable(lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity())
                .filter(h -> !h.isEmpty());
    }

    /** The Lease's term, as the elector counts it. */
    static long term(Lease lease) {
        String big = annotations(lease).get(LeaseLock.TRANSITIONS_ANNOTATION);
        if (big != null) {
            try {
                return Long.parseLong(big);
            } catch (NumberFormatException e) {
                // fall back to the spec
            }
        }
        Integer t = lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
        return t == null ? 0 : t;
    }

    Optional<String> holder() {
        return holder(lease);
    }

    long term() {
        return term(lease);
    }

    Map<String, String> annotations() {
        return annotations(lease);
    }

    AgentHistory.Read history() {
        return AgentHistory.read(annotations().get(AgentHistory.ANNOTATION));
    }

    Optional<Member> member(String member) {
        return members.stream().filter(m -> m.name().equals(member)).findFirst();
    }
}
