package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.lock.support.Fleet;
import dev.leasehold.lock.support.HostileRecords;
import dev.leasehold.lock.support.MockApiBase;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Leases written by a broken or hostile client (issue 7): none crashes the elector or lets it take over early. An
 * unreadable record is taken over only a full lease duration after it was first seen; a readable one by its own
 * lease duration, whatever its times say (remote times are never compared with the local clock).
 */
class HostileLeaseRecordsTest extends MockApiBase {

    static Stream<Arguments> hostile() {
        String odd = " \t\u2603\u0000" + "x".repeat(5000);
        return Stream.of(
                Arguments.of("holder without a lease duration", (UnaryOperator<LeaseBuilder>) l -> l.withNewSpec()
                        .withHolderIdentity("ghost").endSpec()),
                Arguments.of("negative lease duration", (UnaryOperator<LeaseBuilder>) l -> l.withNewSpec()
                        .withHolderIdentity("ghost").withLeaseDurationSeconds(-4).endSpec()),
                Arguments.of("negative transitions", (UnaryOperator<LeaseBuilder>) l -> l.withNewSpec()
                        .withHolderIdentity("ghost").withLeaseDurationSeconds(4).withLeaseTransitions(-1).endSpec()),
                Arguments.of("garbage transition annotation at the int32 limit", (UnaryOperator<LeaseBuilder>) l -> l
                        .editMetadata().addToAnnotations(LeaseLock.TRANSITIONS_ANNOTATION, "{\"no\":1}").endMetadata()
                        .withNewSpec().withHolderIdentity("ghost").withLeaseDurationSeconds(4)
                        .withLeaseTransitions(Integer.MAX_VALUE).endSpec()),
                Arguments.of("renew time far in the future", (UnaryOperator<LeaseBuilder>) l -> l.withNewSpec()
                        .withHolderIdentity("ghost").withLeaseDurationSeconds(4)
                        .withRenewTime(ZonedDateTime.parse("9999-12-31T23:59:59Z"))
                        .withAcquireTime(ZonedDateTime.parse("1970-01-01T00:00:00Z")).endSpec()),
                Arguments.of("odd identity", (UnaryOperator<LeaseBuilder>) l -> l.withNewSpec()
                        .withHolderIdentity(odd).withLeaseDurationSeconds(4).endSpec()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aHostileLeaseIsNotTakenOverBeforeAFullLeaseDuration(String name, UnaryOperator<LeaseBuilder> spec) {
        client.resource(spec.apply(new LeaseBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME)
                .endMetadata()).build()).create();
        HostileRecords.check(lock("a"), Fleet.LEASE, true);
        // it took over with a term above whatever the record said, and released on close
        Lease after = client.leases().inNamespace(NAMESPACE).withName(NAME).get();
        assertThat(after.getSpec().getHolderIdentity()).isNull();
        assertThat(after.getSpec().getLeaseTransitions()).isPositive();
    }

    @Test
    void aHugeLeaseDurationKeepsTheLockHeldAndTheElectorHealthy() {
        client.resource(new LeaseBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME).endMetadata()
                .withNewSpec().withHolderIdentity("ghost").withLeaseDurationSeconds(Integer.MAX_VALUE).endSpec()
                .build()).create();
        HostileRecords.check(lock("a"), Fleet.LEASE.multipliedBy(2), false);
    }

    /** A Lease without a spec (created by kubectl, say) names no holder: it is free, taken at once. */
    @Test
    void aLeaseWithoutASpecIsFree() {
        client.resource(new LeaseBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME).endMetadata()
                .build()).create();
        HostileRecords.check(lock("a"), Duration.ZERO, true);
    }

    private LeaseLock lock(String identity) {
        return LeaseLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity(identity).build();
    }
}
