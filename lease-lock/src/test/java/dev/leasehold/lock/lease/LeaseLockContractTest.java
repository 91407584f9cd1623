package dev.leasehold.lock.lease;

import dev.leasehold.lock.support.KubernetesLockBuilder;
import dev.leasehold.lock.support.KubernetesLockContract;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

class LeaseLockContractTest extends KubernetesLockContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return LeaseLock.builder();
    }

    @Override
    protected Class<? extends HasMetadata> kind() {
        return Lease.class;
    }
}
