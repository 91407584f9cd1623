package dev.leasehold.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ElectorBenchmarkTest {

    @Test
    void printsOneLinePerLibraryAndScenarioWithLeaseholdFollowersQuieterThanFabric8s() {
        BenchOptions options = BenchOptions.parse("scenarios=handover,load", "timings=4/3/1", "reps=1",
                "load.n=1", "load.settle=2s", "load.window=4s");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            ElectorBenchmark.run(options, out);
        }
        List<Map<String, String>> lines = buffer.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith("BENCH ")).map(ElectorBenchmarkTest::fields).toList();

        assertThat(lines).hasSize(4).allSatisfy(line -> {
            assertThat(line).doesNotContainKey("error").containsEntry("max_leaders", "1");
        });
        Map<String, String> handover = find(lines, "handover", "leasehold");
        assertThat(handover).containsEntry("timing", "4/3/1").containsEntry("reps", "1")
                .containsKeys("p50_ms", "p95_ms").containsEntry("old_holder_after_release", "0/1")
                .containsEntry("stop_after_new_start", "0/1");
        assertThat(find(lines, "handover", "fabric8")).containsKeys("p50_ms", "old_holder_after_release");
        double leaseholdFollowers = Double.parseDouble(find(lines, "load", "leasehold").get("followers_per_min"));
        double fabric8Followers = Double.parseDouble(find(lines, "load", "fabric8").get("followers_per_min"));
        // a watching follower makes no requests once settled; a polling one makes one every retry period or so
        assertThat(leaseholdFollowers).isLessThan(fabric8Followers);
    }

    @Test
    void rejectsBadArgumentsNamingThem() {
        assertThatThrownBy(() -> BenchOptions.parse("reps=0")).hasMessageContaining("reps")
                .hasMessageContaining("\"0\"");
        assertThatThrownBy(() -> BenchOptions.parse("timings=15/10")).hasMessageContaining("15/10");
        assertThatThrownBy(() -> BenchOptions.parse("colour=blue")).hasMessageContaining("colour=blue");
        assertThatThrownBy(() -> BenchOptions.parse("timings=4/4/1")).hasMessageContaining("leaseDuration > renewDeadline");
        assertThat(BenchOptions.parse("quick", "load.window=90s").loadWindow()).isEqualTo(Duration.ofSeconds(90));
        assertThat(BenchOptions.parse("quick").reps()).isEqualTo(5);
    }

    private static Map<String, String> find(List<Map<String, String>> lines, String scenario, String library) {
        return lines.stream().filter(l -> scenario.equals(l.get("scenario")) && library.equals(l.get("lib")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + scenario + " line for " + library));
    }

    private static Map<String, String> fields(String line) {
        return Arrays.stream(line.substring("BENCH ".length()).split(" "))
                .map(field -> field.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv.length > 1 ? kv[1] : ""));
    }
}
