package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the annotation locks (ConfigMap, Endpoints) must do beyond {@link KubernetesLockContract}. */
public abstract class AnnotationLockContract extends KubernetesLockContract {

    /** A new object of the lock's kind with {@code metadata} and some content of its own (data, subsets). */
    protected abstract HasMetadata newObject(ObjectMeta metadata);

    /** The API path of the lock object, for reading it as stored. */
    protected abstract String path();

    protected void putObject(String recordJson, Map<String, String> otherAnnotations) {
        Map<String, String> annotations = new HashMap<>(otherAnnotations);
        if (recordJson != null) {
            annotations.put(AnnotationRecordCodec.ANNOTATION, recordJson);
        }
        client.resource(newObject(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(NAME)
                .withAnnotations(annotations).build())).create();
    }

    protected String storedAnnotation() {
        return object().getMetadata().getAnnotations().get(AnnotationRecordCodec.ANNOTATION);
    }

    @Test
    void theRecordIsStoredInClientGosFormat() {
        join(lock(client, "a").create(held("a", 3)));

        assertThat(api.rawGet(path())).contains("control-plane.alpha.kubernetes.io/leader");
        assertThat(storedAnnotation()).isEqualTo("{\"holderIdentity\":\"a\",\"leaseDurationSeconds\":15,"
                + "\"acquireTime\":\"2024-05-01T10:00:00Z\",\"renewTime\":\"2024-05-01T10:00:03Z\","
                + "\"leaderTransitions\":3}");
    }

    @Test
    void readsARecordClientGoWrote() {
        putObject("{\"holderIdentity\":\"go-pod\",\"leaseDurationSeconds\":30,\"acquireTime\":\"2024-05-01T10:00:00Z\","
                + "\"renewTime\":\"2024-05-01T10:00:20Z\",\"leaderTransitions\":9}", Map.of());

        assertThat(join(lock(client, "a").get()).orElseThrow().record()).contains(new LeaderElectionRecord("go-pod",
                Duration.ofSeconds(30), Optional.of(T0), Optional.of(T0.plusSeconds(20)), 9, Optional.empty()));
    }

    @Test
    void readsARecordFabric8Wrote() {
        putObject("{\"holderIdentity\":\"f8-pod\",\"leaseDuration\":\"PT20S\",\"acquireTime\":"
                + "\"2024-05-01T10:00:00.250000Z\",\"renewTime\":\"2024-05-01T10:00:05.500000Z\","
                + "\"leaderTransitions\":2}",
                Map.of());

        assertThat(join(lock(client, "a").get()).orElseThrow().record()).contains(new LeaderElectionRecord("f8-pod",
                Duration.ofSeconds(20), Optional.of(Instant.parse("2024-05-01T10:00:00.25Z")),
                Optional.of(Instant.parse("2024-05-01T10:00:05.5Z")), 2, Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "{\"holderIdentity\":\"x\"}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,\"renewTime\":\"soon\"}"})
    void aCorruptRecordIsUnreadableNamesTheObjectAndCanStillBeTakenOver(String corrupt) {
        putObject(corrupt, Map.of());
        ResourceLock lock = lock(client, "a");

        LockSnapshot snapshot = join(lock.get()).orElseThrow();
        assertThat(snapshot.isUnreadable()).isTrue();
        assertThat(snapshot.record()).isEmpty();
        assertThat(snapshot.version()).isEqualTo(object().getMetadata().getResourceVersion());
        assertThat(snapshot.unreadableReason().orElseThrow()).contains(NAMESPACE + "/" + NAME);

        // the elector decides when; the lock must let it overwrite the broken record at that version
        join(lock.update(snapshot, held("a", 1)));
        assertThat(join(lock.get()).orElseThrow().record()).contains(held("a", 1));
    }

    @Test
    void anObjectWithoutTheAnnotationHasNoRecordAndKeepsItsOtherAnnotations() {
        putObject(null, Map.of("example.com/keep", "me", "control-plane.alpha.kubernetes.io/other", "x"));
        ResourceLock lock = lock(client, "a");

        LockSnapshot empty = join(lock.get()).orElseThrow();
        assertThat(empty.record()).isEmpty();
        assertThat(empty.isUnreadable()).isFalse();

        join(lock.update(empty, held("a", 1)));
        assertThat(object().getMetadata().getAnnotations())
                .containsEntry("example.com/keep", "me")
                .containsEntry("control-plane.alpha.kubernetes.io/other", "x")
                .containsKey(AnnotationRecordCodec.ANNOTATION);
    }

    @Test
    void aReleaseLandsInAShapeEveryReaderAccepts() {
        ResourceLock lock = lock(client, "a");
        LockSnapshot held = join(lock.create(held("a", 3)));
        join(lock.update(held, held("a", 3).withHolder("")));

        assertThat(storedAnnotation()).startsWith("{\"leaseDuration\":\"PT1S\","
                + "\"acquireTime\":\"2024-05-01T10:00:00.000000Z\",\"renewTime\":\"2024-05-01T10:00:03.000000Z\"");
    }
}
