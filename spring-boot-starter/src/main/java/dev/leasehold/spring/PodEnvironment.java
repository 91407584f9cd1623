package dev.leasehold.spring;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Where a pod finds its own namespace and name when the properties do not say. */
final class PodEnvironment {

    /** The namespace file every pod with a mounted service-account token has. */
    static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private final Path namespaceFile;
    private final Map<String, String> env;

    PodEnvironment(Path namespaceFile, Map<String, String> env) {
        this.namespaceFile = namespaceFile;
        this.env = env;
    }

    static PodEnvironment current() {
        return new PodEnvironment(SERVICE_ACCOUNT_NAMESPACE, System.getenv());
    }

    /** The namespace in the service-account mount, if there is one. */
    Optional<String> namespace() {
        if (!Files.isReadable(namespaceFile)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(namespaceFile).strip()).filter(s -> !s.isEmpty());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the pod's namespace from " + namespaceFile + ": " + e, e);
        }
    }

    /** $POD_NAME (set from the downward API), else $HOSTNAME (a pod's name), else the host's name. */
    String identity() {
        for (String name : new String[] {"POD_NAME", "HOSTNAME"}) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            throw new IllegalStateException("leasehold.election.identity is not set, neither are $POD_NAME and "
                    + "$HOSTNAME, and the host name is unknown: " + e, e);
        }
    }
}
