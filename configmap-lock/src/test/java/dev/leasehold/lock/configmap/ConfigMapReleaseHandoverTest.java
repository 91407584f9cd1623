package dev.leasehold.lock.configmap;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.ClientJavaReleaseHandoverContract;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;

/** A ConfigMap release as kubernetes-client/java 24's ConfigMap elector reads it (annotation {@code control-plane.alpha.kubernetes.io/leader}). */
class ConfigMapReleaseHandoverTest extends ClientJavaReleaseHandoverContract {

    @Override
    protected ResourceLock ourLock(String identity) {
        return ConfigMapLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build();
    }

    @Override
    protected Lock theirLock(String identity, ApiClient apiClient) {
        return new io.kubernetes.client.extended.leaderelection.resourcelock.ConfigMapLock(NAMESPACE, NAME, identity,
                apiClient);
    }
}
