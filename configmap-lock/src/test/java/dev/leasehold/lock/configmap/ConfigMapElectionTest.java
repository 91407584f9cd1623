package dev.leasehold.lock.configmap;

import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

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
}
