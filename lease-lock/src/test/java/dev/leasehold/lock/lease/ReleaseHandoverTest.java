package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.ClientJavaReleaseHandoverContract;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;
import org.junit.jupiter.api.Test;

/** A Lease release as kubernetes-client/java 24's Lease elector reads it: the release names no holder now. */
class ReleaseHandoverTest extends ClientJavaReleaseHandoverContract {

    @Override
    protected ResourceLock ourLock(String identity) {
        return LeaseLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build();
    }

    @Override
    protected Lock theirLock(String identity, ApiClient apiClient) {
        return new io.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock(NAMESPACE, NAME, identity,
                apiClient);
    }

    @Test
    void theReleaseReadsAsNoHolderWithAOneSecondLeaseAndTheSameTermToKubernetesClientJava() throws Exception {
        AsTheyRead read = leadThenRelease();
        assertThat(read.leading().getHolderIdentity()).isEqualTo("leasehold-2");
        assertThat(read.released().getHolderIdentity()).as("holder of the released %s", "Lease").isNull();
        assertThat(read.released().getLeaseDurationSeconds()).isEqualTo(1);
        assertThat(read.released().getLeaderTransitions()).isEqualTo(read.leading().getLeaderTransitions());
    }
}
