package dev.leasehold.lock.lease;

import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

class LeaseElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return LeaseLock.builder();
    }

    @Override
    protected void writeUnreadableRecord(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata()
                .withNamespace(NAMESPACE).withName(NAME).endMetadata().withNewSpec().withHolderIdentity("ghost")
                .endSpec().build()).create();
    }
}
