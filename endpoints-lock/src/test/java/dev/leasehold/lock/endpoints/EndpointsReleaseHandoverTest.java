package dev.leasehold.lock.endpoints;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.ClientJavaReleaseHandoverContract;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;

/** An Endpoints release as kubernetes-client/java 24's Endpoints elector reads it. */
class EndpointsReleaseHandoverTest extends ClientJavaReleaseHandoverContract {

    @Override
    protected ResourceLock ourLock(String identity) {
        return EndpointsLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build();
    }

    @Override
    protected Lock theirLock(String identity, ApiClient apiClient) {
        return new io.kubernetes.client.extended.leaderelection.resourcelock.EndpointsLock(NAMESPACE, NAME, identity,
                apiClient);
    }
}
