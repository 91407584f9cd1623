package dev.leasehold.lock.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The frozen configuration of a Kubernetes lock, produced by {@link KubernetesLockBuilder#settings()}.
 *
 * @param client the user's client; the lock does not close it
 * @param namespace the object's namespace
 * @param name the object's name
 * @param identity the holder identity this candidate writes
 * @param callTimeout the longest any one API call may take, fabric8's retries included
 * @param annotations asked on every write this candidate makes (create, renew, release) for annotations to set
 *     on the lock object in that same write; returns an empty map when there are none
 * @param sharedWatch whether the lock watches through one watch per kind and namespace shared with the other locks
 *     on the same client that ask for it, instead of one watch of its own
 */
public record LockSettings(KubernetesClient client, String namespace, String name, String identity,
        Duration callTimeout, Supplier<Map<String, String>> annotations, boolean sharedWatch) {

    /** Settings with a watch of the lock's own. */
    public LockSettings(KubernetesClient client, String namespace, String name, String identity,
            Duration callTimeout, Supplier<Map<String, String>> annotations) {
        this(client, namespace, name, identity, callTimeout, annotations, false);
    }
}
