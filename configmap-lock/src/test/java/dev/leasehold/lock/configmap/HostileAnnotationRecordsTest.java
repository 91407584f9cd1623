package dev.leasehold.lock.configmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.lock.support.AnnotationRecordCodec;
import dev.leasehold.lock.support.Fleet;
import dev.leasehold.lock.support.HostileRecords;
import dev.leasehold.lock.support.MockApiBase;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Annotation records written by a broken or hostile client (issue 7): none crashes the elector or lets it take
 * over before a full lease duration after it was first seen.
 */
class HostileAnnotationRecordsTest extends MockApiBase {

    @ParameterizedTest
    @ValueSource(strings = {
        "not json at all",
        "{\"holderIdentity\":\"ghost\",\"leaseDuration\":18446744073.709551631}",
        "{\"holderIdentity\":\"ghost\",\"leaseDurationSeconds\":-4}",
        "{\"holderIdentity\":\"ghost\",\"leaseDurationSeconds\":99999999999999999999}",
        "{\"holderIdentity\":[\"ghost\"],\"leaseDurationSeconds\":4}",
        "{\"holderIdentity\":\"ghost\",\"leaseDurationSeconds\":4,\"renewTime\":\"+999999999-12-31T23:59:59Z\"}"
    })
    void aHostileAnnotationIsNotTakenOverBeforeAFullLeaseDuration(String annotation) {
        client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME)
                .addToAnnotations(AnnotationRecordCodec.ANNOTATION, annotation).endMetadata().build()).create();
        HostileRecords.check(ConfigMapLock.builder().client(client).namespace(NAMESPACE).name(NAME).identity("a")
                .build(), Fleet.LEASE, true);
        // taken over only after the full lease (checked above), then released on close: a readable record again
        String after = client.configMaps().inNamespace(NAMESPACE).withName(NAME).get().getMetadata().getAnnotations()
                .get(AnnotationRecordCodec.ANNOTATION);
        assertThat(after).isNotEqualTo(annotation).doesNotContain("ghost");
    }
}
