package dev.leasehold.lock.endpoints;

import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;

class EndpointsElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return EndpointsLock.builder();
    }
}
