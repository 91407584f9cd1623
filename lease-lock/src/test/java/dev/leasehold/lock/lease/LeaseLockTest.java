package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.lock.support.KubernetesLockBuilder;
import dev.leasehold.lock.support.KubernetesLockContract;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Lease lock: the shared contract plus its wire format and records others write. */
class LeaseLockTest extends KubernetesLockContract {

    private static final String PATH = "/apis/coordination.k8s.io/v1/namespaces/" + NAMESPACE + "/leases/" + NAME;

    @Override
    protected KubernetesLockBuilder<?, ?> builder() {
        return LeaseLock.builder();
    }

    @Override
    protected Class<? extends HasMetadata> kind() {
        return Lease.class;
    }

    private LeaseBuilder lease() {
        return new LeaseBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME).endMetadata();
    }

    @Test
    void theSpecUsesTheLeaseFieldsWithMicroTime() {
        Instant renewed = Instant.parse("2024-05-01T10:00:07.123456Z");
        join(lock(client, "a").create(new LeaderElectionRecord("a", LEASE, Optional.of(T0), Optional.of(renewed), 4,
                Optional.of("b"))));

        String stored = api.rawGet(PATH);
        assertThat(stored).contains("\"holderIdentity\":\"a\"", "\"leaseDurationSeconds\":15",
                "\"leaseTransitions\":4", "\"preferredHolder\":\"b\"",
                "\"renewTime\":\"2024-05-01T10:00:07.123456Z\"", "\"acquireTime\":\"2024-05-01T10:00:00.000000Z\"");
    }

    @Test
    void everyWriteCarriesTheSuppliedAnnotationsInTheSameRequest() {
        java.util.concurrent.atomic.AtomicLong position = new java.util.concurrent.atomic.AtomicLong(100);
        ResourceLock lock = LeaseLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity("a")
                .annotations(() -> java.util.Map.of("leasehold.dev/wal", Long.toString(position.get())))
                .build();
        LockSnapshot held = join(lock.create(held("a", 1)));
        assertThat(api.rawGet(PATH)).contains("\"leasehold.dev/wal\":\"100\"");

        position.set(250);
        join(lock.update(held, held("a", 1)));
        assertThat(api.rawGet(PATH)).contains("\"leasehold.dev/wal\":\"250\"", "\"holderIdentity\":\"a\"");
    }

    @Test
    void anAnnotationsSupplierThatBreaksTheRuleFailsTheWriteAndNamesTheKey() {
        ResourceLock lock = LeaseLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity("a")
                .annotations(() -> java.util.Map.of("control-plane.alpha.kubernetes.io/leader", "x"))
                .build();
        assertThat(lock.create(held("a", 1))).failsWithin(Duration.ofSeconds(5))
                .withThrowableThat().withMessageContaining("control-plane.alpha.kubernetes.io/leader");
        assertThat(api.rawGet(PATH)).isEmpty();
    }

    @Test
    void aReleaseNamesNoHolderAndLastsOneSecondSoEveryClientReadsItAsFree() {
        ResourceLock lock = lock(client, "a");
        LockSnapshot held = join(lock.create(held("a", 1)));
        join(lock.update(held, held("a", 1).withHolder("")));

        String stored = api.rawGet(PATH);
        assertThat(stored).doesNotContain("holderIdentity").contains("\"leaseDurationSeconds\":1,")
                .contains("\"leaseTransitions\":1").contains("\"renewTime\"").contains("\"acquireTime\"");
        var fabric8 = new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock(NAMESPACE, NAME,
                "f8");
        assertThat(fabric8.get(client).getHolderIdentity()).isNull();
        LeaderElectionRecord ours = join(lock.get()).orElseThrow().record().orElseThrow();
        assertThat(ours.isReleased()).isTrue();
        assertThat(ours.leaderTransitions()).isEqualTo(1);
    }

    @Test
    void aLeaseAtTheInt32TransitionLimitStaysAcquirableAndTermsKeepRising() {
        client.resource(lease().withNewSpec().withHolderIdentity("old").withLeaseDurationSeconds(15)
                .withLeaseTransitions(Integer.MAX_VALUE).endSpec().build()).create();
        ResourceLock lock = lock(client, "a");
        LockSnapshot seen = join(lock.get()).orElseThrow();
        assertThat(seen.record().orElseThrow().leaderTransitions()).isEqualTo(Integer.MAX_VALUE);

        long next = Integer.MAX_VALUE + 1L;
        LockSnapshot taken = join(lock.update(seen, held("a", next)));
        assertThat(taken.record().orElseThrow().leaderTransitions()).isEqualTo(next);
        assertThat(api.rawGet(PATH)).contains("\"leaseTransitions\":" + Integer.MAX_VALUE)
                .contains("\"" + LeaseLock.TRANSITIONS_ANNOTATION + "\":\"" + next + "\"");

        LockSnapshot again = join(lock(client, "b").update(taken, held("b", next + 1)));
        assertThat(again.record().orElseThrow().leaderTransitions()).isEqualTo(next + 1);
        assertThat(join(lock(client, "c").get()).orElseThrow().record().orElseThrow().leaderTransitions())
                .isEqualTo(next + 1);
    }

    @Test
    void aTransitionAnnotationThatIsNotANumberAtTheLimitIsUnreadable() {
        client.resource(lease().editMetadata().addToAnnotations(LeaseLock.TRANSITIONS_ANNOTATION, "lots").endMetadata()
                .withNewSpec().withHolderIdentity("old").withLeaseDurationSeconds(15)
                .withLeaseTransitions(Integer.MAX_VALUE).endSpec().build()).create();
        LockSnapshot seen = join(lock(client, "a").get()).orElseThrow();
        assertThat(seen.isUnreadable()).isTrue();
        // below the limit the annotation is not consulted
        client.resources(Lease.class).inNamespace(NAMESPACE).withName(NAME).edit(l -> new LeaseBuilder(l)
                .editSpec().withLeaseTransitions(7).endSpec().build());
        assertThat(join(lock(client, "a").get()).orElseThrow().record().orElseThrow().leaderTransitions())
                .isEqualTo(7);
    }

    @Test
    void aLeaseWithHostileSpecValuesIsUnreadableNotTakenEarly() {
        client.resource(lease().withNewSpec().withHolderIdentity("old").withLeaseDurationSeconds(-15)
                .endSpec().build()).create();
        assertThat(join(lock(client, "a").get()).orElseThrow().isUnreadable()).isTrue();
        client.resources(Lease.class).inNamespace(NAMESPACE).withName(NAME).edit(l -> new LeaseBuilder(l)
                .editSpec().withLeaseDurationSeconds(15).withLeaseTransitions(-3).endSpec().build());
        assertThat(join(lock(client, "a").get()).orElseThrow().isUnreadable()).isTrue();
    }

    @Test
    void fabric8AndLeaseholdReadEachOthersLeases() {
        var fabric8 = new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock(NAMESPACE, NAME,
                "f8-pod");
        fabric8.create(client, new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock
                .LeaderElectionRecord("f8-pod", Duration.ofSeconds(15), ZonedDateTime.parse("2024-05-01T10:00:00Z"),
                ZonedDateTime.parse("2024-05-01T10:00:04.5Z"), 5));
        ResourceLock ours = lock(client, "a");

        LockSnapshot seen = join(ours.get()).orElseThrow();
        assertThat(seen.record()).contains(new LeaderElectionRecord("f8-pod", Duration.ofSeconds(15),
                Optional.of(T0), Optional.of(Instant.parse("2024-05-01T10:00:04.5Z")), 5, Optional.empty()));

        join(ours.update(seen, new LeaderElectionRecord("a", LEASE, Optional.empty(), Optional.empty(), 6,
                Optional.empty())));
        var theirs = fabric8.get(client);
        assertThat(theirs.getHolderIdentity()).isEqualTo("a");
        assertThat(theirs.getLeaderTransitions()).isEqualTo(6);
        assertThat(theirs.getRenewTime()).isNotNull();
    }

    @Test
    void readsALeaseWithMissingFieldsAsClientGoAndKubectlLeaveThem() {
        client.resource(lease().withNewSpec().endSpec().build()).create();
        assertThat(join(lock(client, "a").get()).orElseThrow().record().orElseThrow().isReleased()).isTrue();

        client.resources(Lease.class).inNamespace(NAMESPACE).withName(NAME).edit(l -> new LeaseBuilder(l)
                .editSpec().withHolderIdentity("go-pod").withLeaseDurationSeconds(10).endSpec().build());
        LeaderElectionRecord record = join(lock(client, "a").get()).orElseThrow().record().orElseThrow();
        assertThat(record).isEqualTo(new LeaderElectionRecord("go-pod", Duration.ofSeconds(10), Optional.empty(),
                Optional.empty(), 0, Optional.empty()));
    }

    @Test
    void aHolderWithoutADurationIsUnreadableAndNamesTheLease() {
        client.resource(lease().withNewSpec().withHolderIdentity("ghost").endSpec().build()).create();

        LockSnapshot snapshot = join(lock(client, "a").get()).orElseThrow();
        assertThat(snapshot.isUnreadable()).isTrue();
        assertThat(snapshot.unreadableReason().orElseThrow()).contains("Lease test/leader", "\"ghost\"",
                "leaseDurationSeconds");
    }

    @Test
    void theStrategyAndPreferredHolderOfOthersAreKeptOrReplacedAsTheRecordSays() {
        client.resource(lease().withNewSpec().withHolderIdentity("a").withLeaseDurationSeconds(15)
                .withStrategy("OldestEmulationVersion").withPreferredHolder("b").endSpec().build()).create();
        ResourceLock lock = lock(client, "a");
        LockSnapshot seen = join(lock.get()).orElseThrow();
        assertThat(seen.record().orElseThrow().preferredHolder()).contains("b");

        join(lock.update(seen, seen.record().orElseThrow()));
        Lease lease = (Lease) object();
        assertThat(lease.getSpec().getStrategy()).isEqualTo("OldestEmulationVersion");
        assertThat(lease.getSpec().getPreferredHolder()).isEqualTo("b");

        join(lock.update(join(lock.get()).orElseThrow(), held("b", 1)));
        assertThat(((Lease) object()).getSpec().getPreferredHolder()).isNull();
    }
}
