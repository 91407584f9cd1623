package dev.leasehold.lock.configmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConfigMapElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return ConfigMapLock.builder();
    }

    @Override
    protected void writeUnreadableRecord(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
                .withNamespace(NAMESPACE).withName(NAME)
                .addToAnnotations("control-plane.alpha.kubernetes.io/leader", "{not json").endMetadata().build())
                .create();
    }

    /** The binding is right: the contract runs on a ConfigMap lock, and the record it plants is one that lock cannot read. */
    @Test
    void bindsTheConfigMapLockAndARecordItCannotRead() {
        ResourceLock probe = lock(client, "probe");
        assertThat(probe.describe()).isEqualTo("ConfigMap " + NAMESPACE + "/" + NAME);
        writeUnreadableRecord(client);
        assertThat(probe.get().orTimeout(10, TimeUnit.SECONDS).join())
                .hasValueSatisfying(snapshot -> assertThat(snapshot.isUnreadable()).isTrue());
    }
}
