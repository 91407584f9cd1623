package dev.leasehold.postgres.agent;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;

/**
 * The one line {@link AgentMain} prints when the agent cannot reach the Kubernetes API server at start, in place of
 * the client's stack trace: the address it tried, what went wrong, and what to set.
 */
final class ApiServerUnreachable {
    private ApiServerUnreachable() {
    }

    /**
     * Reads the cluster's Lease once, with no retries, before the agent starts its informers (whose failure to
     * connect the client logs with stack traces of its own).
     *
     * @throws KubernetesClientException when the API server cannot be reached ({@link #explain} says how); any
     *     other answer, a 403 included, is left to the agent
     */
    static void check(KubernetesClient client, AgentConfig config) {
        try (KubernetesClient once = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build()) {
            once.resources(Lease.class).inNamespace(config.namespace()).withName(config.cluster()).get();
        } catch (KubernetesClientException e) {
            if (explain(e, client.getMasterUrl()).isPresent()) {
                throw e;
            }
        }
    }

    /**
     * Explains {@code failure} when a network failure to reach {@code apiServer} is among its causes; empty for any
     * other failure (which is not this class's to explain).
     */
    static Optional<String> explain(Throwable failure, URL apiServer) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException
                    || t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException) {
                String what = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
                return Optional.of("cannot reach the Kubernetes API server at " + apiServer + " (" + what + "): run"
                        + " the agent in a pod (in-cluster configuration from its service account), or set"
                        + " KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, or KUBECONFIG to a kubeconfig file");
            }
        }
        return Optional.empty();
    }
}
