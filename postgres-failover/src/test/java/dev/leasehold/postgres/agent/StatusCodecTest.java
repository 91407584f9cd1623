package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.postgres.Lsn;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** A member's status annotation: written and read back; garbage rejected with the field and value named. */
class StatusCodecTest {

    static final MemberStatus STATUS = new MemberStatus("pg-1", MemberStatus.Role.REPLICA, true, 3,
            Optional.of(Lsn.parse("0/3000060")), Optional.of("pg-0"), false, 5, "10.0.0.7", 5432,
            Optional.of("7301234567890123456"), 42, "0.1.0", Instant.parse("2026-11-30T05:00:00Z"));

    @Test
    void readsWhatItWrites() {
        assertThat(StatusCodec.read(StatusCodec.write(STATUS))).isEqualTo(STATUS);
    }

    @Test
    void theFreeLeaseAMemberSawIsCarriedAndOptionalForOlderAgents() {
        MemberStatus saw = STATUS.withFreeLease(java.util.Optional.of("1234"));
        String text = StatusCodec.write(saw);
        assertThat(text).contains("\"freeLease\":\"1234\"");
        assertThat(StatusCodec.read(text)).isEqualTo(saw);
        assertThat(StatusCodec.write(STATUS)).doesNotContain("freeLease");
        assertThat(StatusCodec.read(StatusCodec.write(STATUS)).freeLease()).isEmpty();
    }

    @Test
    void theAgentPortIsCarriedWhenSetAndOptionalForOlderAgents() {
        MemberStatus withPort = new MemberStatus("pg-1", MemberStatus.Role.REPLICA, true, 3, STATUS.position(),
                STATUS.upstream(), false, 5, "10.0.0.7", 5432, STATUS.systemId(), 42, "0.1.0", STATUS.sampledAt(), 8008);
        String text = StatusCodec.write(withPort);
        assertThat(StatusCodec.read(text)).isEqualTo(withPort);
        assertThat(StatusCodec.write(STATUS)).doesNotContain("agentPort");
        assertThat(StatusCodec.read(StatusCodec.write(STATUS)).agentPort()).isZero();
        assertThatThrownBy(() -> StatusCodec.read(text.replace("8008", "0")))
                .hasMessage("field agentPort = 0 is not a port");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{garbage|not JSON: \"{garbage\"",
        "[1,2]|not a JSON object",
        "ROLE|field role = \"boss\" is not a role",
        "POSITION|field position: LSN 'zz' is not",
        "PORT|field port = 70000 is not a port",
        "HEARTBEAT|field heartbeat = \"x\" is not an integer",
        "MISSING|field healthy is missing",
        "SAMPLED|field sampledAt = \"yesterday\" is not an ISO-8601 instant"})
    void rejectsGarbageNamingTheFieldAndTheValue(String which, String message) {
        String good = StatusCodec.write(STATUS);
        String text = switch (which) {
            case "ROLE" -> good.replace("\"replica\"", "\"boss\"");
            case "POSITION" -> good.replace("0/3000060", "zz");
            case "PORT" -> good.replace("5432", "70000");
            case "HEARTBEAT" -> good.replace("\"heartbeat\":42", "\"heartbeat\":\"x\"");
            case "MISSING" -> good.replace("\"healthy\":true,", "");
            case "SAMPLED" -> good.replace("2026-11-30T05:00:00Z", "yesterday");
            default -> which;
        };
        assertThatThrownBy(() -> StatusCodec.read(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
