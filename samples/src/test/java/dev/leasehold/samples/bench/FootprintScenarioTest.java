package dev.leasehold.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FootprintScenarioTest {

    private static Map<String, String> run(String threads, String heap) {
        return Map.of("threads_per_elector", threads, "heap_kb_per_elector", heap,
                "threads_per_elector_incl_fixed", "0.100", "heap_kb_per_elector_incl_fixed", "20.0");
    }

    @Test
    void theSummaryIsTheMedianOfTheRunsWithTheirSpreadAndSkipsFailedRuns() {
        BenchOptions options = BenchOptions.parse("footprint.n=300", "footprint.base=100", "footprint.runs=4");
        String line = FootprintScenario.summary(options, Library.LEASEHOLD, List.of(run("0.050", "9.0"),
                run("0.040", "7.5"), Map.of("error", "boom"), run("0.055", "12.0"))).toString();
        assertThat(line).startsWith("BENCH scenario=footprint lib=leasehold ")
                .contains(" n=300 base=100 reps=3 ")
                .contains(" threads_per_elector=0.050 threads_per_elector_range=0.040..0.055 ")
                .contains(" heap_kb_per_elector=9.0 heap_kb_per_elector_range=7.5..12.0 ")
                .endsWith(" failed_runs=1");
    }

    @Test
    void theSummaryGivesTheMedianTimeUntilAllLedWhereTheRunsPrintedIt() {
        BenchOptions options = BenchOptions.parse("footprint.runs=3");
        Map<String, String> slow = new java.util.HashMap<>(run("0.050", "9.0"));
        slow.put("all_lead_after_ms", "18012");
        Map<String, String> fast = new java.util.HashMap<>(run("0.050", "9.0"));
        fast.put("all_lead_after_ms", "2210");
        String line = FootprintScenario.summary(options, Library.LEASEHOLD, List.of(slow, fast,
                run("0.050", "9.0"))).toString();
        assertThat(line).contains(" all_lead_after_ms=10111 all_lead_after_ms_range=2210..18012 ");
    }

    @Test
    void aSummaryOfOnlyFailedRunsSaysSo() {
        BenchOptions options = BenchOptions.parse();
        assertThat(FootprintScenario.summary(options, Library.FABRIC8, List.of(Map.of("error", "x"))).toString())
                .contains(" reps=0 ").endsWith(" error=every_run_failed");
    }

    @Test
    void theBaseMustBeBelowTheElectorCount() {
        assertThatThrownBy(() -> BenchOptions.parse("footprint.n=100", "footprint.base=100"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("footprint.base")
                .hasMessageContaining("100");
    }
}
