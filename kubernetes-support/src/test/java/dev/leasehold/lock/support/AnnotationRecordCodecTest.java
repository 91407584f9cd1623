package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leasehold.core.spi.LeaderElectionRecord;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AnnotationRecordCodecTest {

    private static final Instant ACQUIRED = Instant.parse("2024-05-01T10:00:00.750Z");
    private static final Instant RENEWED = Instant.parse("2024-05-01T10:00:07.123456789Z");
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:09Z");

    private static LeaderElectionRecord held() {
        return new LeaderElectionRecord("pod-1", Duration.ofSeconds(15), Optional.of(ACQUIRED), Optional.of(RENEWED),
                4, Optional.empty());
    }

    @Test
    void aHeldRecordIsWrittenInClientGosFormat() throws Exception {
        JsonNode json = new ObjectMapper().readTree(AnnotationRecordCodec.write(held(), NOW));

        assertThat(json.properties()).extracting(e -> e.getKey()).containsExactly("holderIdentity",
                "leaseDurationSeconds", "acquireTime", "renewTime", "leaderTransitions");
        assertThat(json.get("holderIdentity").asText()).isEqualTo("pod-1");
        assertThat(json.get("leaseDurationSeconds").isInt()).isTrue();
        assertThat(json.get("leaseDurationSeconds").asInt()).isEqualTo(15);
        assertThat(json.get("acquireTime").asText()).isEqualTo("2024-05-01T10:00:00Z");
        assertThat(json.get("renewTime").asText()).isEqualTo("2024-05-01T10:00:07Z");
        assertThat(json.get("leaderTransitions").asLong()).isEqualTo(4);
    }

    @Test
    void missingTimesAreWrittenAsNullLikeClientGoDoes() throws Exception {
        LeaderElectionRecord record = new LeaderElectionRecord("pod-1", Duration.ofSeconds(15), Optional.empty(),
                Optional.empty(), 0, Optional.of("pod-2"));
        JsonNode json = new ObjectMapper().readTree(AnnotationRecordCodec.write(record, NOW));

        assertThat(json.get("acquireTime").isNull()).isTrue();
        assertThat(json.get("renewTime").isNull()).isTrue();
        assertThat(json.get("preferredHolder").asText()).isEqualTo("pod-2");
        assertThat(AnnotationRecordCodec.read(json.toString())).isEqualTo(record);
    }

    @Test
    void aHeldRecordRoundTripsToWholeSeconds() {
        LeaderElectionRecord read = AnnotationRecordCodec.read(AnnotationRecordCodec.write(held(), NOW));

        assertThat(read.holderIdentity()).isEqualTo("pod-1");
        assertThat(read.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(read.acquireTime()).contains(Instant.parse("2024-05-01T10:00:00Z"));
        assertThat(read.renewTime()).contains(Instant.parse("2024-05-01T10:00:07Z"));
        assertThat(read.leaderTransitions()).isEqualTo(4);
    }

    @Test
    void aReleasedRecordNamesNoHolderLastsASecondAndIsReadableByFabric8AndByUs() {
        String json = AnnotationRecordCodec.write(held().withHolder(""), NOW);

        assertThat(json).doesNotContain("holderIdentity");
        var fabric8 = Serialization.unmarshal(json,
                io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord.class);
        assertThat(fabric8.getHolderIdentity()).isNull();
        assertThat(fabric8.getLeaseDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(fabric8.getLeaderTransitions()).isEqualTo(4);
        assertThat(fabric8.getRenewTime().toInstant()).isEqualTo(Instant.parse("2024-05-01T10:00:07.123456Z"));

        LeaderElectionRecord ours = AnnotationRecordCodec.read(json);
        assertThat(ours.isReleased()).isTrue();
        assertThat(ours.leaseDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(ours.leaderTransitions()).isEqualTo(4);
        // only a release carries the one-second lease
        assertThat(AnnotationRecordCodec.read(AnnotationRecordCodec.write(held(), NOW)).leaseDuration())
                .isEqualTo(Duration.ofSeconds(15));
    }

    /** Defect 11 of issue 7: 18446744073.709551631 s wrapped around to about a microsecond. */
    @ParameterizedTest
    @ValueSource(strings = {
        "18446744073.709551631",
        "9223372036.854775808",
        "2147483648",
        "1e300",
        "-1",
        "-0.5",
        "15.0000000001"
    })
    void defect11ANumericLeaseDurationOutOfRangeIsUnreadableNotWrappedAround(String seconds) {
        assertThatThrownBy(() -> AnnotationRecordCodec.read("{\"holderIdentity\":\"x\",\"leaseDuration\":" + seconds
                + "}")).isInstanceOf(RecordFormatException.class).hasMessageContaining("leaseDuration");
    }

    /** Remote times are written for people and never compared with the local clock: a far-future one is harmless. */
    @Test
    void aFarFutureRenewTimeIsReadAsIs() {
        assertThat(AnnotationRecordCodec.read("{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,"
                + "\"renewTime\":\"+999999999-12-31T23:59:59Z\"}").renewTime()).contains(Instant.parse("+999999999-12-31T23:59:59Z"));
    }

    @Test
    void numericAndIsoLeaseDurationsInRangeAreReadExactly() {
        assertThat(AnnotationRecordCodec.read("{\"holderIdentity\":\"x\",\"leaseDuration\":15.5}").leaseDuration())
                .isEqualTo(Duration.ofMillis(15_500));
        assertThat(AnnotationRecordCodec.read("{\"holderIdentity\":\"x\",\"leaseDuration\":2147483647}")
                .leaseDuration()).isEqualTo(Duration.ofSeconds(Integer.MAX_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":2147483648}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":99999999999999999999999}",
        "{\"holderIdentity\":\"x\",\"leaseDuration\":\"PT999999999999H\"}",
        "{\"holderIdentity\":\"x\",\"leaseDuration\":\"PT-15S\"}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,\"leaderTransitions\":1e40}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,\"renewTime\":12345}"
    })
    void hostileNumbersAreUnreadableWithTheFieldNamed(String json) {
        assertThatThrownBy(() -> AnnotationRecordCodec.read(json)).isInstanceOf(RecordFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("lease", "leaderTransitions", "renewTime"));
    }

    /** Pins the fact the compatibility choice rests on: no held record satisfies both client-go and fabric8. */
    @Test
    void fabric8CannotReadClientGosHeldRecord() {
        String json = AnnotationRecordCodec.write(held(), NOW);

        Class<?> fabric8 = io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord.class;
        // its reader wants MicroTime ...
        assertThatThrownBy(() -> Serialization.unmarshal(json, fabric8)).isInstanceOf(KubernetesClientException.class)
                .rootCause().hasMessageContaining("2024-05-01T10:00:00Z");
        // ... and its own duration field; given both, it rejects client-go's, which client-go cannot do without
        String microTimes = json.replace("00:00Z", "00:00.000000Z").replace("00:07Z", "00:07.000000Z");
        assertThatThrownBy(() -> Serialization.unmarshal(microTimes, fabric8))
                .rootCause().hasMessageContaining("leaseDuration is required");
        String both = microTimes.replace("{", "{\"leaseDuration\":\"PT15S\",");
        // Jackson 2 says "Unrecognized field", Jackson 3 (fabric8 8) "Unrecognized property"
        assertThatThrownBy(() -> Serialization.unmarshal(both, fabric8))
                .isInstanceOf(KubernetesClientException.class)
                .rootCause().hasMessageContaining("Unrecognized").hasMessageContaining("\"leaseDurationSeconds\"");
    }

    @Test
    void readsWhatFabric8Writes() {
        var fabric8 = new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord(
                "f8-pod", Duration.ofSeconds(20), ZonedDateTime.parse("2024-05-01T12:00:00.5+02:00"),
                ZonedDateTime.parse("2024-05-01T10:00:03.25Z"), 7);
        LeaderElectionRecord read = AnnotationRecordCodec.read(Serialization.asJson(fabric8));

        assertThat(read).isEqualTo(new LeaderElectionRecord("f8-pod", Duration.ofSeconds(20),
                Optional.of(Instant.parse("2024-05-01T10:00:00.5Z")),
                Optional.of(Instant.parse("2024-05-01T10:00:03.25Z")),
                7, Optional.empty()));
    }

    @Test
    void readsFabric8sReleaseWhoseHolderIsMissing() {
        var fabric8 = new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord(
                null, Duration.ofSeconds(20), ZonedDateTime.parse("2024-05-01T10:00:00Z"),
                ZonedDateTime.parse("2024-05-01T10:00:03Z"), 7);
        String json = Serialization.asJson(fabric8);

        assertThat(json).doesNotContain("holderIdentity");
        assertThat(AnnotationRecordCodec.read(json).isReleased()).isTrue();
    }

    @Test
    void readsClientGoRecordsWithNullAndMissingFields() {
        assertThat(AnnotationRecordCodec.read("{\"holderIdentity\":\"go-1\",\"leaseDurationSeconds\":15,"
                + "\"acquireTime\":null,\"renewTime\":\"2024-05-01T10:00:07+02:00\",\"leaderTransitions\":null}"))
                .isEqualTo(new LeaderElectionRecord("go-1", Duration.ofSeconds(15), Optional.empty(),
                        Optional.of(Instant.parse("2024-05-01T08:00:07Z")), 0, Optional.empty()));
        assertThat(AnnotationRecordCodec.read("{}").isReleased()).isTrue();
        assertThat(AnnotationRecordCodec.read("{\"holderIdentity\":\"\",\"leaseDurationSeconds\":1}").isReleased())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json",
        "[1,2]",
        "\"just a string\"",
        "{\"holderIdentity\":\"x\"}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":\"fifteen\"}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":-5}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,\"renewTime\":\"yesterday\"}",
        "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,\"leaderTransitions\":-1}",
        "{\"holderIdentity\":42,\"leaseDurationSeconds\":15}",
        "{\"holderIdentity\":\"x\",\"leaseDuration\":\"15 seconds\"}"
    })
    void unreadableRecordsSayWhy(String json) {
        assertThatThrownBy(() -> AnnotationRecordCodec.read(json)).isInstanceOf(RecordFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
    }

    @Test
    void theReasonNamesTheFieldAndTheValue() {
        assertThatThrownBy(() -> AnnotationRecordCodec.read(
                "{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":15,\"renewTime\":\"yesterday\"}"))
                .hasMessageContaining("renewTime").hasMessageContaining("yesterday");
        assertThatThrownBy(() -> AnnotationRecordCodec.read("{\"holderIdentity\":\"x\"}"))
                .hasMessageContaining("\"x\"").hasMessageContaining("leaseDurationSeconds");
    }

    @Test
    void aFractionalLeaseDurationIsRejected() {
        LeaderElectionRecord record = new LeaderElectionRecord("a", Duration.ofMillis(10_500), Optional.empty(),
                Optional.empty(), 0, Optional.empty());
        assertThatThrownBy(() -> AnnotationRecordCodec.write(record, NOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leaseDuration must be a whole number of seconds (Kubernetes stores whole seconds and "
                        + "Leasehold does not round), was PT10.5S");
    }

    @Test
    void timesAreFormattedAsKubernetesDoes() {
        assertThat(KubeTimes.formatSeconds(RENEWED)).isEqualTo("2024-05-01T10:00:07Z");
        assertThat(KubeTimes.formatMicros(RENEWED)).isEqualTo("2024-05-01T10:00:07.123456Z");
        assertThat(List.of("2024-05-01T10:00:07Z", "2024-05-01T10:00:07.000000Z", "2024-05-01T12:00:07+02:00"))
                .allSatisfy(t -> assertThat(KubeTimes.parse(t)).isEqualTo(Instant.parse("2024-05-01T10:00:07Z")));
        assertThatThrownBy(() -> KubeTimes.parse("2024-05-01 10:00")).hasMessageContaining("\"2024-05-01 10:00\"");
    }
}
