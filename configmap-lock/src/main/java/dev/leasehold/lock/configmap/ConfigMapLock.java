package dev.leasehold.lock.configmap;

import dev.leasehold.lock.support.AnnotationRecordLock;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import dev.leasehold.lock.support.LockSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * A lock kept as JSON in the annotation {@code control-plane.alpha.kubernetes.io/leader} of a v1 ConfigMap,
 * in client-go's format (as client-go's former {@code ConfigMapLock}); the ConfigMap's data, labels and other
 * annotations are left as they are. Records written by client-go and by fabric8's own elector are read; see
 * {@link dev.leasehold.lock.support.AnnotationRecordCodec} for the formats and the compatibility with fabric8.
 *
 * <p>Prefer {@code LeaseLock} for new deployments; this lock exists for fleets that already use ConfigMaps
 * (migrate with {@link dev.leasehold.core.spi.MultiLock}).
 *
 * <h2>RBAC</h2>
 * In the lock's namespace, on {@code configmaps} (core API group): {@code get}, {@code update}, {@code watch}
 * with {@code resourceNames: [<name>]}, and {@code create} without resourceNames (Kubernetes cannot restrict
 * create by name). Drop {@code create} if the ConfigMap is created in advance.
 * <pre>
 * - apiGroups: [""]
 *   resources: ["configmaps"]
 *   resourceNames: ["my-app"]
 *   verbs: ["get", "update", "watch"]
 * - apiGroups: [""]
 *   resources: ["configmaps"]
 *   verbs: ["create"]
 * </pre>
 * A watch by name is a list-watch with a {@code metadata.name} field selector, which Kubernetes authorises
 * against {@code resourceNames}.
 *
 * <p>The lock talks through a bounded view of the client you pass in and does not close it.
 */
public final class ConfigMapLock extends AnnotationRecordLock<ConfigMap> {

    private ConfigMapLock(LockSettings settings) {
        super(settings, ConfigMap.class, "ConfigMap");
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected ConfigMap copy(ConfigMap object) {
        return new ConfigMapBuilder(object).build();
    }

    @Override
    protected ConfigMap newObject(ObjectMeta metadata) {
        return new ConfigMapBuilder().withMetadata(metadata).build();
    }

    /** Builds a {@link ConfigMapLock}; see {@link KubernetesLockBuilder} for the settings. */
    public static final class Builder extends KubernetesLockBuilder<Builder, ConfigMapLock> {

        private Builder() {
        }

        @Override
        public ConfigMapLock build() {
            return new ConfigMapLock(settings());
        }
    }
}
