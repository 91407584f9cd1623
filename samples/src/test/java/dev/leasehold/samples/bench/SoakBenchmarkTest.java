package dev.leasehold.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-minute soak: random faults, three candidates, never two leaders. */
class SoakBenchmarkTest {

    @Test
    void aOneMinuteSoakUnderRandomFaultsNeverHasTwoLeaders() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SoakBenchmark.Result result;
        long seed = 20261130L;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            result = SoakBenchmark.run(Duration.ofMinutes(1), Timing.FAST, seed,
                    List.of(SoakBenchmark.ALL_FAULTS.split(",")), out);
        }
        String line = result.line(Timing.FAST, seed);
        System.out.println(buffer.toString(StandardCharsets.UTF_8) + line);

        assertThat(line).startsWith("BENCH scenario=soak lib=leasehold minutes=1 ").contains(" overlap_ms=0 ");
        assertThat(result.faults()).isGreaterThanOrEqualTo(4);
        assertThat(result.overlapMillis()).as("time with two leader work windows open").isZero();
        assertThat(result.invalidStarts()).as("starts while another term was valid").isZero();
        assertThat(result.leaderChanges()).isGreaterThanOrEqualTo(1);
        assertThat(result.leaderlessMillis()).isLessThan(Duration.ofMinutes(1).toMillis());
    }

    @Test
    void rejectsAnUnknownFault() {
        assertThatThrownBy(() -> SoakBenchmark.run(Duration.ofSeconds(1), Timing.FAST, 1, List.of("meteor"),
                System.out)).hasMessageContaining("meteor");
    }
}
