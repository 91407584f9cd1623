package dev.leasehold.lock.configmap;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.Fabric8InteropContract;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;

/**
 * fabric8 cannot read the held record in client-go's format (see AnnotationRecordCodec): while Leasehold leads,
 * fabric8 electors stay followers without knowing the leader; Leasehold's release is readable by fabric8.
 */
class ConfigMapFabric8InteropTest extends Fabric8InteropContract {

    @Override
    protected ResourceLock ours(KubernetesClient client, String identity) {
        return ConfigMapLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build();
    }

    @Override
    protected Lock theirs(String identity) {
        return new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.ConfigMapLock(NAMESPACE, NAME,
                identity);
    }

    @Override
    protected boolean fabric8ReadsOurHeldRecord() {
        return false;
    }

    @Override
    protected boolean fabric8ReleaseLands() {
        return true;
    }
}
