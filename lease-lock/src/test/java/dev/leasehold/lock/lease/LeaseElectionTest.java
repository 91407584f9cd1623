package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.KubernetesElectionContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeaseElectionTest extends KubernetesElectionContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return LeaseLock.builder();
    }

    /** A Lease keeps its times as {@code MicroTime}. */
    @Override
    protected boolean recognisesALostAcquisition() {
        return true;
    }

    @Override
    protected void writeUnreadableRecord(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata()
                .withNamespace(NAMESPACE).withName(NAME).endMetadata().withNewSpec().withHolderIdentity("ghost")
                .endSpec().build()).create();
    }

    /** The binding is right: the contract runs on a Lease lock, and the record it plants is one that lock cannot read. */
    @Test
    void bindsTheLeaseLockAndARecordItCannotRead() {
        ResourceLock probe = lock(client, "probe");
        assertThat(probe.describe()).isEqualTo("Lease " + NAMESPACE + "/" + NAME);
        writeUnreadableRecord(client);
        assertThat(probe.get().orTimeout(10, TimeUnit.SECONDS).join())
                .hasValueSatisfying(snapshot -> assertThat(snapshot.isUnreadable()).isTrue());
    }
}
