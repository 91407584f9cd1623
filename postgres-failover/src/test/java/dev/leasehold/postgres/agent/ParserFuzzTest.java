package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.Lsn;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random and garbage input, a fixed count per run, at every reader of what other processes write: the
 * status annotation, the Lease annotations, a published position, a byte count, an HTTP request. Each either
 * reads the input or refuses it with an {@link IllegalArgumentException} whose message says what it refused;
 * nothing else escapes.
 */
class ParserFuzzTest {
    private static final int COUNT = 3_000;
    private static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "null", "true", "-1", "0", "1e999",
        "9223372036854775808", "\"role\"", "\"position\"", "\"FFFFFFFF/FFFFFFFF\"", "\"members\"", "\"count\"",
        "\"to\"", "\\u0000", "\u00ff", " ", "\"ANY\"", "\"requestedAt\"", "\"2026-01-01T00:00:00Z\""};

    /** Valid samples, mutated: tokens inserted, characters dropped, replaced or cut. */
    private static String mutate(String valid, Random random) {
        StringBuilder b = new StringBuilder(valid);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = b.length() == 0 ? 0 : random.nextInt(b.length());
            switch (random.nextInt(5)) {
                case 0 -> b.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
                case 1 -> b.setLength(at);
                case 2 -> {
                    if (b.length() > 0) {
                        b.deleteCharAt(at);
                    }
                }
                case 3 -> {
                    if (b.length() > 0) {
                        b.setCharAt(at, (char) random.nextInt(0x250));
                    }
                }
                default -> {
                    byte[] junk = new byte[random.nextInt(12)];
                    random.nextBytes(junk);
                    b.insert(at, new String(junk, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return b.toString();
    }

    private static void fuzz(String what, List<String> samples, Function<String, ?> reader, long seed) {
        Random random = new Random(seed);
        for (int n = 0; n < COUNT; n++) {
            String input = mutate(samples.get(random.nextInt(samples.size())), random);
            try {
                reader.apply(input);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as("%s refusing %s", what, input).isNotBlank();
            } catch (RuntimeException e) {
                throw new AssertionError(what + " let " + e + " escape on input " + input, e);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {17, 4242})
    void annotationAndStatusReadersReadOrRefuseWithAReason(long seed) {
        fuzz("StatusCodec", List.of(StatusCodec.write(StatusCodecTest.STATUS)), StatusCodec::read, seed);
        fuzz("MemberList", List.of("{\"members\":[\"pg-0\",\"pg-1\"],\"offListAfterMs\":60000}"), MemberList::read,
                seed);
        fuzz("SyncSet", List.of(new SyncSet("ANY", 1, List.of("pg-1", "pg-2"), false).write()), SyncSet::read, seed);
        fuzz("SwitchoverRequest", List.of("{\"to\":\"pg-1\",\"requestedBy\":\"x\",\"requestedAt\":"
                + "\"2026-01-01T00:00:00Z\"}"), SwitchoverRequest::parse, seed);
        fuzz("AgentHistory", List.of(AgentHistory.write(List.of(new AgentHistory.Entry(3, "pg-1", 2,
                "0/3000060", Instant.EPOCH, "failover")))), text -> {
                    AgentHistory.Read r = AgentHistory.read(text);
                    r.problem().ifPresent(p -> assertThat(p).isNotBlank());
                    return r;
                }, seed);
        fuzz("Lsn", List.of("16/B374D848", "FFFFFFFF/FFFFFFFF", "0/0"), Lsn::parse, seed);
        fuzz("ByteCount", List.of("1048576", "1024kB", "1MB"), t -> ByteCount.parse("lag", t), seed);
    }

    @ParameterizedTest
    @ValueSource(longs = {17, 4242})
    void theHttpRequestReaderReadsRefusesOrWaitsAndNeverThrows(long seed) {
        List<String> samples = List.of("GET /replica?lag=1MB HTTP/1.1\r\nHost: pg\r\n\r\n",
                "OPTIONS /primary HTTP/1.0\r\n\r\n",
                "POST /failsafe HTTP/1.1\r\nContent-Length: 2\r\nAuthorization: Bearer t\r\n\r\n{}");
        Random random = new Random(seed);
        for (int n = 0; n < COUNT; n++) {
            byte[] input = mutate(samples.get(random.nextInt(samples.size())), random)
                    .getBytes(StandardCharsets.ISO_8859_1);
            boolean full = random.nextInt(10) == 0;
            HttpRequestParser.Result r;
            try {
                r = HttpRequestParser.parse(input, input.length, full);
            } catch (RuntimeException e) {
                throw new AssertionError("the HTTP request reader let " + e + " escape on input "
                        + new String(input, StandardCharsets.ISO_8859_1), e);
            }
            if (r.refusal() != null) {
                assertThat(r.refusal().status()).isBetween(400, 505);
                assertThat(new String(r.refusal().body(), StandardCharsets.UTF_8)).isNotBlank();
            } else if (full) {
                assertThat(r.request()).as("a full buffer is read or refused").isNotNull();
            }
        }
    }
}
