package dev.leasehold.lock.configmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.ClientJavaReleaseHandoverContract;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;
import org.junit.jupiter.api.Test;

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

    @Test
    void theReleaseReadsAsNoHolderAndTheSameTermToKubernetesClientJava() throws Exception {
        AsTheyRead read = leadThenRelease();
        assertThat(read.leading().getHolderIdentity()).isEqualTo("leasehold-2");
        assertThat(read.released().getHolderIdentity()).as("holder of the released %s", "ConfigMap").isNull();
        // the portable release leaves leaseDurationSeconds out (fabric8 rejects the field; see
        // AnnotationRecordCodec): this reader sees 0 and needs nothing but the missing holder to take it
        assertThat(read.released().getLeaseDurationSeconds()).isZero();
        assertThat(read.leading().getLeaseDurationSeconds()).isPositive();
        assertThat(read.released().getLeaderTransitions()).isEqualTo(read.leading().getLeaderTransitions());
    }
}
