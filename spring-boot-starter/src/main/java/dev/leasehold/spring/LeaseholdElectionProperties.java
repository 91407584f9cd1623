package dev.leasehold.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code leasehold.election.*}: the election this application takes part in.
 *
 * @param enabled whether to take part at all (default true)
 * @param lock the lock object: its kind and name
 * @param namespace the lock's namespace; default: the pod's own namespace (from its service-account token
 *     mount), else the Kubernetes client's namespace (kubeconfig); never silently {@code default}
 * @param identity this candidate's identity, unique among the candidates; default: {@code $POD_NAME}, else
 *     {@code $HOSTNAME} (a pod's name), else the host name
 * @param leaseDuration how long followers wait from the last change they saw before taking over (default 15s)
 * @param renewDeadline how long a term stays valid after the start of its last successful renew (default 10s)
 * @param retryPeriod how often the leader renews and followers without a watch poll (default 2s)
 * @param releaseOnClose whether stopping a leader releases the lock so a follower takes over at once
 * @param keepAlive whether the election keeps a non-daemon thread while it runs (default true), so that an
 *     application without a web server keeps competing after its {@code main} returns; the thread ends when the
 *     context closes
 * @param events Kubernetes Events on the lock object (needs leasehold-kubernetes-events)
 * @param metrics Micrometer meters (needs leasehold-micrometer and a MeterRegistry)
 */
@ConfigurationProperties("leasehold.election")
public record LeaseholdElectionProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue Lock lock,
        String namespace,
        String identity,
        @DefaultValue("15s") Duration leaseDuration,
        @DefaultValue("10s") Duration renewDeadline,
        @DefaultValue("2s") Duration retryPeriod,
        @DefaultValue("true") boolean releaseOnClose,
        @DefaultValue("true") boolean keepAlive,
        @DefaultValue Events events,
        @DefaultValue Metrics metrics) {

    /**
     * @param kind lease (default), configmap or endpoints
     * @param name the object's name (required)
     */
    public record Lock(@DefaultValue("lease") LockKind kind, String name) {
    }

    /**
     * @param enabled record {@code LeaderElection} Events on the lock object (default false)
     * @param component the Events' source component; default: {@code spring.application.name}, else leasehold
     */
    public record Events(@DefaultValue("false") boolean enabled, String component) {
    }

    /**
     * @param enabled publish the elector's meters when a MeterRegistry is present (default true)
     * @param clientGoAliases also publish client-go's {@code leader_election_master_status} and
     *     {@code leader_election_slowpath_total}, named by the lock's name (default false)
     */
    public record Metrics(@DefaultValue("true") boolean enabled, @DefaultValue("false") boolean clientGoAliases) {
    }
}
