package dev.leasehold.lock.endpoints;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.AnnotationLockContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointsLockTest extends AnnotationLockContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return EndpointsLock.builder();
    }

    @Override
    protected Class<? extends HasMetadata> kind() {
        return Endpoints.class;
    }

    @Override
    protected HasMetadata newObject(ObjectMeta metadata) {
        return new EndpointsBuilder().withMetadata(metadata).addNewSubset().addNewAddress().withIp("10.0.0.7")
                .endAddress().addNewPort().withPort(5432).endPort().endSubset().build();
    }

    @Override
    protected String path() {
        return "/api/v1/namespaces/" + NAMESPACE + "/endpoints/" + NAME;
    }

    @Test
    void theSubsetsSurviveRenewals() {
        putObject(null, Map.of());
        ResourceLock lock = lock(client, "a");
        LockSnapshot taken = join(lock.update(join(lock.get()).orElseThrow(), held("a", 1)));
        join(lock.update(taken, held("a", 1)));

        Endpoints endpoints = (Endpoints) object();
        assertThat(endpoints.getSubsets()).hasSize(1);
        assertThat(endpoints.getSubsets().get(0).getAddresses().get(0).getIp()).isEqualTo("10.0.0.7");
        assertThat(endpoints.getSubsets().get(0).getPorts().get(0).getPort()).isEqualTo(5432);
    }
}
