package dev.leasehold.samples.pgdemo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C: the demo in a JVM of its own with {@code --keep-running}; once it says how to reach the cluster it gets
 * SIGINT, and then none of its processes, ports or its directory may remain.
 */
class PgDemoInterruptTest {
    private static final Pattern PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DIR = Pattern.compile("working directory (\\S+) ");

    @Test
    void ctrlCStopsEverythingAndDeletesTheDirectory() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process demo = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                PgDemo.class.getName(), "--short", "--keep-running", "--chart=target/pgdemo-interrupt-timeline.png")
                .redirectErrorStream(true).start();
        List<Integer> ports = new ArrayList<>();
        List<Long> descendants = new ArrayList<>();
        Path dir = null;
        StringBuilder seen = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.getInputStream(),
                StandardCharsets.UTF_8))) {
            boolean reachable = false;
            String line;
            while ((line = in.readLine()) != null) {
                seen.append(line).append('\n');
                Matcher d = DIR.matcher(line);
                if (d.find()) {
                    dir = Path.of(d.group(1));
                }
                if (line.contains("--keep-running: everything stays up")) {
                    reachable = true;
                }
                if (reachable) {
                    Matcher p = PORT.matcher(line);
                    if (p.find()) {
                        ports.add(Integer.parseInt(p.group(1)));
                    }
                    if (line.contains("PostgreSQL pg-2")) {
                        break;
                    }
                }
            }
            assertThat(reachable).as("the demo's output:\n%s", seen).isTrue();
            assertThat(ports).allSatisfy(p -> assertThat(PgDemoTest.listening(p)).as("port %d", p).isTrue());
            demo.descendants().forEach(h -> descendants.add(h.pid()));
            assertThat(descendants).as("agent processes").hasSizeGreaterThanOrEqualTo(3);
            // Ctrl-C is SIGINT; a JVM started from a background job inherits SIGINT ignored (and then ignores it),
            // so there the test sends SIGTERM, which runs the same shutdown hooks
            String signal = sigintIgnored() ? "-TERM" : "-INT";
            new ProcessBuilder("kill", signal, Long.toString(demo.pid())).inheritIO().start().waitFor();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo ended after kill %s", signal).isTrue();
        } finally {
            if (demo.isAlive()) {
                demo.destroy(); // SIGTERM: let its shutdown hook clean up before anything harsher
                if (!demo.waitFor(30, TimeUnit.SECONDS)) {
                    demo.destroyForcibly();
                }
            }
        }
        // ports: the agents' HTTP ports and the PostgreSQL servers' ports it printed
        assertThat(ports).hasSizeGreaterThanOrEqualTo(6);
        PgDemoTest.assertNothingLeft(descendants, ports, dir);
    }

    /** Whether this JVM ignores SIGINT (its children inherit that): bit 2 of SigIgn in /proc/self/status. */
    private static boolean sigintIgnored() throws IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring("SigIgn:".length()).strip(), 16) & 0x2) != 0;
            }
        }
        return false;
    }

    @Test
    void helpAndBadOptions() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process bad = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                PgDemo.class.getName(), "--members=9").redirectErrorStream(true).start();
        String text = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bad.waitFor()).isEqualTo(2);
        assertThat(text).contains("--members = 9 must be a whole number from 2 to 5");
        assertThat(DemoOptions.parse("--help").help()).isTrue();
        assertThat(DemoOptions.parse().members()).isEqualTo(3);
        assertThat(DemoOptions.parse("--members=5", "--synchronous").synchronous()).isTrue();
        assertThatThrownBy(() -> DemoOptions.parse("--members", "5"))
                .hasMessageStartingWith("--members takes its value after '=', e.g. --members=5");
        assertThat(DemoOptions.USAGE).as("the pods are named as the demo names its members").contains("pods pg-N")
                .doesNotContain("pgdemo-N");
    }
}
