package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.spi.MultiLock;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.configmap.ConfigMapLock;
import dev.leasehold.lock.support.FaultProxy;
import dev.leasehold.lock.support.Fleet;
import dev.leasehold.lock.support.MockApiBase;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A fleet moving from a ConfigMap lock to a Lease through {@link MultiLock}, against the mock API server:
 * old-style electors (ConfigMap only), multi-lock electors and finally Lease-only electors run side by side,
 * with graceful exits and a leader cut off from the API server; sampled every 2 ms, never two leaders.
 */
class ConfigMapToLeaseMigrationTest extends MockApiBase {

    private ResourceLock configMap(KubernetesClient via, String identity) {
        return ConfigMapLock.builder().client(via).namespace(NAMESPACE).name(NAME).identity(identity)
                .callTimeout(Duration.ofMillis(800)).build();
    }

    private ResourceLock lease(KubernetesClient via, String identity) {
        return LeaseLock.builder().client(via).namespace(NAMESPACE).name(NAME).identity(identity)
                .callTimeout(Duration.ofMillis(800)).build();
    }

    private ResourceLock multi(KubernetesClient via, String identity) {
        return MultiLock.of(configMap(via, identity), lease(via, identity));
    }

    private String leader() {
        await().atMost(Duration.ofSeconds(20)).until(() -> fleet.leader().isPresent());
        return fleet.leader().orElseThrow().identity();
    }

    @Test
    void oldStyleAndMultiLockElectorsNeverBothLead() {
        FaultProxy proxy = api.proxy();
        Fleet.Leasehold old1 = fleet.leasehold(configMap(api.clientVia(proxy), "old-1"));
        await().atMost(Duration.ofSeconds(10)).until(old1::leading);
        Fleet.Leasehold old2 = fleet.leasehold(configMap(client, "old-2"));
        Fleet.Leasehold multi1 = fleet.leasehold(multi(client, "multi-1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> multi1.leadersSeen().contains("old-1"));
        assertThat(client.resources(Lease.class).inNamespace(NAMESPACE).withName(NAME).get())
                .as("nobody writes the Lease while an old-style elector leads").isNull();

        // the old-style leader is cut off: it steps down, and a successor takes the ConfigMap after expiry
        proxy.mode(FaultProxy.Mode.BLACKHOLE);
        await().atMost(Duration.ofSeconds(10)).until(() -> !old1.leading());
        String second = leader();
        assertThat(second).isIn("old-2", "multi-1");
        proxy.mode(FaultProxy.Mode.PASS);
        await().atMost(Duration.ofSeconds(15)).until(() -> old1.leadersSeen().contains(second));

        // the old-style electors leave; a multi-lock elector leads and writes both objects
        Fleet.Leasehold multi2 = fleet.leasehold(multi(client, "multi-2"));
        old1.stop();
        old2.stop();
        String third = leader();
        assertThat(third).startsWith("multi");
        await().atMost(Duration.ofSeconds(10)).until(() -> third.equals(leaseHolder()));

        // Lease-only electors join, the multi-lock electors leave
        Fleet.Leasehold new1 = fleet.leasehold(lease(client, "new-1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> new1.leadersSeen().contains(third));
        multi1.stop();
        multi2.stop();
        assertThat(leader()).isEqualTo("new-1");

        assertThat(fleet.violations()).as("moments with two leaders").isEmpty();
    }

    private String leaseHolder() {
        Lease lease = client.resources(Lease.class).inNamespace(NAMESPACE).withName(NAME).get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }
}
