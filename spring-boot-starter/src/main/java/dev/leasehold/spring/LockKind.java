package dev.leasehold.spring;

/** The kind of Kubernetes object the election locks ({@code leasehold.election.lock.kind}). */
public enum LockKind {
    /** A {@code coordination.k8s.io/v1} Lease: the default and the recommended lock. */
    LEASE,
    /** An annotation on a ConfigMap, for fleets that already use one. */
    CONFIGMAP,
    /** An annotation on an Endpoints object (deprecated by Kubernetes 1.33). */
    ENDPOINTS
}
