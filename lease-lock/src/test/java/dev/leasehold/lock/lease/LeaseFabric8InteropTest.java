package dev.leasehold.lock.lease;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.Fabric8InteropContract;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;

class LeaseFabric8InteropTest extends Fabric8InteropContract {

    @Override
    protected ResourceLock ours(KubernetesClient client, String identity) {
        return LeaseLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build();
    }

    @Override
    protected Lock theirs(String identity) {
        return new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock(NAMESPACE, NAME,
                identity);
    }

    @Override
    protected boolean fabric8ReadsOurHeldRecord() {
        return true;
    }

    @Override
    protected boolean fabric8ReleaseLands() {
        return false;
    }
}
