package dev.leasehold.lock.endpoints;

import dev.leasehold.lock.support.AnnotationRecordLock;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import dev.leasehold.lock.support.LockSettings;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * A lock kept as JSON in the annotation {@code control-plane.alpha.kubernetes.io/leader} of a v1 Endpoints
 * object, in client-go's format (as client-go's former {@code EndpointsLock}); its subsets, labels and other
 * annotations are left as they are. Records written by client-go and by fabric8's own elector are read; see
 * {@link dev.leasehold.lock.support.AnnotationRecordCodec} for the formats and the compatibility with fabric8.
 *
 * <p><strong>Deprecated in Kubernetes:</strong> the v1 Endpoints API is deprecated since Kubernetes 1.33 in
 * favour of EndpointSlices (reads and writes still work, with a deprecation warning), and client-go removed its
 * Endpoints lock. This lock keeps working for fleets that still use one; move them to {@code LeaseLock} with a
 * {@link dev.leasehold.core.spi.MultiLock} (Endpoints primary, Lease secondary), then to the Lease alone.
 *
 * <h2>RBAC</h2>
 * In the lock's namespace, on {@code endpoints} (core API group): {@code get}, {@code update}, {@code watch}
 * with {@code resourceNames: [<name>]}, and {@code create} without resourceNames (Kubernetes cannot restrict
 * create by name). Drop {@code create} if the object is created in advance.
 * <pre>
 * - apiGroups: [""]
 *   resources: ["endpoints"]
 *   resourceNames: ["my-app"]
 *   verbs: ["get", "update", "watch"]
 * - apiGroups: [""]
 *   resources: ["endpoints"]
 *   verbs: ["create"]
 * </pre>
 * A watch by name is a list-watch with a {@code metadata.name} field selector, which Kubernetes authorises
 * against {@code resourceNames}.
 *
 * <p>The lock talks through a bounded view of the client you pass in and does not close it.
 */
public final class EndpointsLock extends AnnotationRecordLock<Endpoints> {

    private EndpointsLock(LockSettings settings) {
        super(settings, Endpoints.class, "Endpoints");
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected Endpoints copy(Endpoints object) {
        return new EndpointsBuilder(object).build();
    }

    @Override
    protected Endpoints newObject(ObjectMeta metadata) {
        return new EndpointsBuilder().withMetadata(metadata).build();
    }

    /** Builds a {@link EndpointsLock}; see {@link KubernetesLockBuilder} for the settings. */
    public static final class Builder extends KubernetesLockBuilder<Builder, EndpointsLock> {

        private Builder() {
        }

        @Override
        public EndpointsLock build() {
            return new EndpointsLock(settings());
        }
    }
}
