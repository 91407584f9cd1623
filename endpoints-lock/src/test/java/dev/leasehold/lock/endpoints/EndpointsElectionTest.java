package dev.leasehold.lock.endpoints;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EndpointsElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return EndpointsLock.builder();
    }

    @Override
    protected void writeUnreadableRecord(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder().withNewMetadata()
                .withNamespace(NAMESPACE).withName(NAME)
                .addToAnnotations("control-plane.alpha.kubernetes.io/leader", "{\"holderIdentity\":\"ghost\"}")
                .endMetadata().build()).create();
    }

    /** The binding is right: the contract runs on a Endpoints lock, and the record it plants is one that lock cannot read. */
    @Test
    void bindsTheEndpointsLockAndARecordItCannotRead() {
        ResourceLock probe = lock(client, "probe");
        assertThat(probe.describe()).isEqualTo("Endpoints " + NAMESPACE + "/" + NAME);
        writeUnreadableRecord(client);
        assertThat(probe.get().orTimeout(10, TimeUnit.SECONDS).join())
                .hasValueSatisfying(snapshot -> assertThat(snapshot.isUnreadable()).isTrue());
    }
}
