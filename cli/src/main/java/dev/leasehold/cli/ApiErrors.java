package dev.leasehold.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** Turns the API server's refusals into sentences that name the verb, the resource and the namespace. */
final class ApiErrors {
    private ApiErrors() {
    }

    /**
     * A {@link CliException} for {@code e}, raised while doing {@code verb} on {@code resource} (e.g.
     * {@code leases.coordination.k8s.io "pg"}) in {@code namespace}.
     */
    static CliException explain(KubernetesClientException e, String verb, String resource, String namespace) {
        String server = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getMessage();
        return switch (e.getCode()) {
            case 401 -> new CliException("not authenticated to the API server (401) while trying to " + verb + " "
                    + resource + " in namespace " + namespace + ": check your kubeconfig's credentials");
            case 403 -> new CliException("permission denied: you may not " + verb + " " + resource
                    + " in namespace " + namespace + " (403; the server said: " + server + ")");
            default -> new CliException("cannot " + verb + " " + resource + " in namespace " + namespace + ": "
                    + (e.getCode() > 0 ? "HTTP " + e.getCode() + ": " : "") + server);
        };
    }
}
