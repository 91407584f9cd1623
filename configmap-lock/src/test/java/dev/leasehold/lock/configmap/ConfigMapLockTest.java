package dev.leasehold.lock.configmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.AnnotationLockContract;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigMapLockTest extends AnnotationLockContract {

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return ConfigMapLock.builder();
    }

    @Override
    protected Class<? extends HasMetadata> kind() {
        return ConfigMap.class;
    }

    @Override
    protected HasMetadata newObject(ObjectMeta metadata) {
        return new ConfigMapBuilder().withMetadata(metadata).withData(Map.of("config.yaml", "a: 1")).build();
    }

    @Override
    protected String path() {
        return "/api/v1/namespaces/" + NAMESPACE + "/configmaps/" + NAME;
    }

    @Test
    void theConfigMapsDataSurvivesRenewals() {
        putObject(null, Map.of());
        ResourceLock lock = lock(client, "a");
        LockSnapshot taken = join(lock.update(join(lock.get()).orElseThrow(), held("a", 1)));
        join(lock.update(taken, held("a", 1)));

        assertThat(((ConfigMap) object()).getData()).containsExactly(Map.entry("config.yaml", "a: 1"));
    }

    @Test
    void readsWhatFabric8sOwnConfigMapLockWritesAndFabric8ReadsOurRelease() {
        var theirs = new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.ConfigMapLock(NAMESPACE,
                NAME, "f8-pod");
        theirs.create(client, new LeaderElectionRecord("f8-pod", Duration.ofSeconds(15),
                ZonedDateTime.parse("2024-05-01T10:00:00Z"), ZonedDateTime.parse("2024-05-01T10:00:04Z"), 5));

        ResourceLock ours = lock(client, "a");
        LockSnapshot seen = join(ours.get()).orElseThrow();
        assertThat(seen.record().orElseThrow().holderIdentity()).isEqualTo("f8-pod");
        assertThat(seen.record().orElseThrow().leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(seen.record().orElseThrow().leaderTransitions()).isEqualTo(5);

        LockSnapshot mine = join(ours.update(seen, held("a", 6)));
        // fabric8 cannot read a held record in client-go's format: it sees no record and stays a follower
        assertThat(theirs.get(client)).isNull();

        join(ours.update(mine, held("a", 6).withHolder("")));
        LeaderElectionRecord released = theirs.get(client);
        // no holder (fabric8 takes a null or empty one as free) and a one-second lease
        assertThat(released.getHolderIdentity()).isNull();
        assertThat(released.getLeaseDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(released.getLeaderTransitions()).isEqualTo(6);
    }
}
