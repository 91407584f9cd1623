package dev.leasehold.lock.endpoints;

import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

class EndpointsElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return EndpointsLock.builder();
    }

    @Override
    protected void writeUnreadableRecord(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder().withNewMetadata()
                .withNamespace(NAMESPACE).withName(NAME)
                .addToAnnotations("control-plane.alpha.kubernetes.io/leader", "{\"holderIdentity\":\"ghost\"}")
                .endMetadata().build()).create();
    }
}
