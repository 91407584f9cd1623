package dev.leasehold.postgres.agent;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import dev.leasehold.postgres.OsUser;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;

/**
 * What {@link AgentMain} checks before it starts the agent, each failure one line in place of a stack trace or a
 * retry loop: that the Kubernetes API server can be reached (else the address it tried, what went wrong and what to
 * set), and that it does not run as root with no one else to run PostgreSQL's programs as (initdb refuses root,
 * and the agent would retry it for ever while holding the Lease).
 */
final class StartChecks {
    private StartChecks() {
    }

    /** A start-up check that failed; its message is the line to print. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * Runs the checks: the API server first (reads the cluster's Lease once, with no retries, before the agent
     * starts its informers, whose failure to connect the client logs with stack traces of its own), then the user.
     *
     * @throws KubernetesClientException when the API server cannot be reached ({@link #explain} says how); any
     *     other answer, a 403 included, is left to the agent
     * @throws Refused when this JVM runs as root and {@code config}'s PostgreSQL has no other user to run as
     */
    static void check(KubernetesClient client, AgentConfig config) {
        reachable(client, config);
        if (OsUser.jvmIsRoot() && config.member().config().osUser().isEmpty()) {
            throw new Refused("the agent runs as root, and PostgreSQL's programs refuse root (initdb: \"cannot be"
                    + " run as root\"): run it as the user that owns LEASEHOLD_PG_DATA (in Kubernetes:"
                    + " securityContext.runAsUser and runAsNonRoot: true)");
        }
    }

    private static void reachable(KubernetesClient client, AgentConfig config) {
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
     * The line for a {@link Refused} check, or for {@code failure} when a network failure to reach {@code apiServer}
     * is among its causes; empty for any other failure (which is not this class's to explain).
     */
    static Optional<String> explain(Throwable failure, URL apiServer) {
        if (failure instanceof Refused) {
            return Optional.of(failure.getMessage());
        }
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
