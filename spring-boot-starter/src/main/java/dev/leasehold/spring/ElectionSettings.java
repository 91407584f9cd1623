package dev.leasehold.spring;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.configmap.ConfigMapLock;
import dev.leasehold.lock.endpoints.EndpointsLock;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * The election's settings with every default resolved: what {@link LeaseholdElection} runs.
 *
 * @param kind the kind of lock object
 * @param namespace the lock's namespace
 * @param name the lock's name
 * @param identity this candidate's identity
 * @param leaseDuration how long followers wait before taking over
 * @param renewDeadline how long a term stays valid after the start of its last successful renew
 * @param retryPeriod how often the leader renews
 * @param releaseOnClose whether stopping a leader releases the lock
 */
public record ElectionSettings(LockKind kind, String namespace, String name, String identity,
        Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, boolean releaseOnClose) {

    /**
     * Resolves the properties: the namespace from the pod's service-account mount, else the client's; the
     * identity from the pod's name.
     *
     * @throws IllegalArgumentException naming the property when the lock name is missing or no namespace is
     *     known
     */
    static ElectionSettings resolve(LeaseholdElectionProperties p, KubernetesClient client, PodEnvironment pod) {
        String name = p.lock().name();
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("leasehold.election.lock.name must be set: the name of the "
                    + p.lock().kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " the candidates compete for, e.g. the application's name");
        }
        String namespace = nonBlank(p.namespace());
        if (namespace == null) {
            namespace = pod.namespace().orElseGet(() -> nonBlank(client.getNamespace()));
        }
        if (namespace == null) {
            throw new IllegalArgumentException("leasehold.election.namespace is not set, and neither the pod's "
                    + "service-account mount (" + PodEnvironment.SERVICE_ACCOUNT_NAMESPACE + ") nor the Kubernetes "
                    + "client's configuration names a namespace; set it");
        }
        String identity = nonBlank(p.identity());
        return new ElectionSettings(p.lock().kind(), namespace, name.strip(),
                identity != null ? identity : pod.identity(), p.leaseDuration(), p.renewDeadline(),
                p.retryPeriod(), p.releaseOnClose());
    }

    /** A new lock object client for these settings. */
    ResourceLock lock(KubernetesClient client) {
        KubernetesLockBuilder<?, ?> builder = switch (kind) {
            case LEASE -> LeaseLock.builder();
            case CONFIGMAP -> ConfigMapLock.builder();
            case ENDPOINTS -> EndpointsLock.builder();
        };
        return builder.client(client).namespace(namespace).name(name).identity(identity).build();
    }

    /** e.g. {@code Lease default/my-app}. */
    String describe() {
        return switch (kind) {
            case LEASE -> "Lease";
            case CONFIGMAP -> "ConfigMap";
            case ENDPOINTS -> "Endpoints";
        } + " " + namespace + "/" + name;
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
