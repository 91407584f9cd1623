package dev.leasehold.lock.configmap;

import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;

class ConfigMapElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return ConfigMapLock.builder();
    }
}
