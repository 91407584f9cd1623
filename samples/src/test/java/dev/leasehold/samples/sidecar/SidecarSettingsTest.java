package dev.leasehold.samples.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarSettingsTest {

    private static final Path NO_FILE = Path.of("/nonexistent/namespace");

    @Test
    void flagsWinOverEnvironmentAndDefaultsFillTheRest() {
        SidecarSettings settings = SidecarSettings.parse(
                List.of("--lease-name", "web", "--lease-duration=20s", "--port", "0"),
                Map.of("HOSTNAME", "pod-1", "LEASEHOLD_LEASE_NAME", "ignored", "LEASEHOLD_RETRY_PERIOD", "500ms",
                        "LEASEHOLD_LEASE_DURATION", "99s"),
                NO_FILE, "from-kubeconfig");

        assertThat(settings).isEqualTo(new SidecarSettings("from-kubeconfig", "pod-1", "web", Duration.ofSeconds(20),
                Duration.ofSeconds(10), Duration.ofMillis(500), 0));
    }

    @Test
    void namespaceComesFromThePodsOwnFileBeforeTheClientConfiguration(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("namespace"), "shop\n");

        SidecarSettings settings = SidecarSettings.parse(List.of("--lease-name=web", "--identity=x"), Map.of(),
                file, "default");

        assertThat(settings.namespace()).isEqualTo("shop");
    }

    @Test
    void badValuesAreNamedWithTheirSourceAndValue() {
        Map<String, String> env = Map.of("HOSTNAME", "pod-1", "LEASEHOLD_LEASE_NAME", "web");
        assertRejected(List.of("--lease-duration=abc"), env, "--lease-duration", "\"abc\"", "not a duration");
        assertRejected(List.of("--retry-period", "0s"), env, "--retry-period", "\"0s\"", "must be positive");
        assertRejected(List.of("--port=70000"), env, "--port", "70000", "0..65535");
        assertRejected(List.of("--port=http"), env, "--port", "\"http\"", "not a port number");
        assertRejected(List.of(), Map.of("HOSTNAME", "p", "LEASEHOLD_LEASE_NAME", "web",
                "LEASEHOLD_RENEW_DEADLINE", "ten"), "LEASEHOLD_RENEW_DEADLINE", "\"ten\"", "not a duration");
        assertRejected(List.of("--lease"), env, "unknown option", "\"--lease\"", "--help");
        assertRejected(List.of("--namespace"), env, "--namespace", "needs a value", "--help");
        assertRejected(List.of(), Map.of("HOSTNAME", "pod-1"), "lease name", "--lease-name", "LEASEHOLD_LEASE_NAME");
        assertRejected(List.of("--lease-name=web"), Map.of(), "identity", "--identity", "HOSTNAME");
    }

    private static void assertRejected(List<String> args, Map<String, String> env, String... parts) {
        assertThatThrownBy(() -> SidecarSettings.parse(args, env, NO_FILE, "default"))
                .isInstanceOf(SettingsException.class)
                .message().contains(parts);
    }

    @Test
    void mainExitsWith2AndOneLineNamingTheSettingWhenTheDurationsDoNotFit() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        SidecarMain.Launch launch = SidecarMain.launch(
                List.of("--lease-name=web", "--identity=a", "--namespace=n", "--lease-duration=10s",
                        "--renew-deadline=12s"),
                Map.of(), new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                        StandardCharsets.UTF_8));

        assertThat(launch.exitCode()).isEqualTo(2);
        assertThat(launch.sidecar()).isNull();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("leasehold-sidecar: bad setting: renewDeadline = PT12S must be below leaseDuration")
                .hasLineCount(1);
    }

    @Test
    void mainExitsWith2OnABadFlagAndPrintsHelpOnRequest() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertThat(SidecarMain.launch(List.of("--port=-1"), Map.of(), outStream, errStream).exitCode())
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port = -1 must be in 0..65535");

        assertThat(SidecarMain.launch(List.of("--help"), Map.of(), outStream, errStream).exitCode()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--lease-name", "LEASEHOLD_LEASE_NAME",
                "LEASEHOLD_NAMESPACE", "LEASEHOLD_IDENTITY", "LEASEHOLD_LEASE_DURATION", "LEASEHOLD_RENEW_DEADLINE",
                "LEASEHOLD_RETRY_PERIOD", "LEASEHOLD_PORT", "GET /readyz");
    }
}
