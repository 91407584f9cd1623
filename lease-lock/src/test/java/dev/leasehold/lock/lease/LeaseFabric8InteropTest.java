package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.Fabric8InteropContract;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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

    /** The binding is right: what fabric8's lock writes, our lock reads on the same Lease. */
    @Test
    void oursReadsWhatTheirsWritesOnTheSameLease() {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        theirs("f8-probe").create(client, new LeaderElectionRecord("f8-probe", Duration.ofSeconds(15), now, now, 0));
        ResourceLock probe = ours(client, "probe");
        assertThat(probe.describe()).isEqualTo("Lease " + NAMESPACE + "/" + NAME);
        assertThat(probe.get().orTimeout(10, TimeUnit.SECONDS).join().flatMap(s -> s.record()))
                .hasValueSatisfying(r -> assertThat(r.holderIdentity()).isEqualTo("f8-probe"));
    }
}
