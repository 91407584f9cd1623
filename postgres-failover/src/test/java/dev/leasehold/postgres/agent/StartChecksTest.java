package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leasehold.lock.support.MockApi;
import dev.leasehold.postgres.OsUser;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, items 9 and 10: with no API server reachable the agent ended in a 139-line stack trace; run as root it
 * retried initdb every second for ever while holding term 1.
 */
class StartChecksTest {

    /** A loopback address where nothing listens. */
    private static String nowhere() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "https://127.0.0.1:" + s.getLocalPort() + "/"; // closed again on return
        }
    }

    /** Runs the agent program on {@code apiServer} with the settings a new user gives; returns its output. */
    private static String runAgent(String apiServer, Path dir, int exitCode) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("LEASEHOLD_") || k.startsWith("KUBE"));
        env.putAll(Map.of("KUBERNETES_MASTER", apiServer, "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
                "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false", "LEASEHOLD_MEMBER", "pg-0", "LEASEHOLD_CLUSTER", "pg",
                "LEASEHOLD_NAMESPACE", "default", "LEASEHOLD_PG_DATA", dir.resolve("data").toString(),
                "LEASEHOLD_SUPERUSER_PASSWORD", "s3cret-super", "LEASEHOLD_REPLICATION_PASSWORD", "s3cret-repl",
                "LEASEHOLD_HTTP_PORT", "0"));
        Process agent = pb.start();
        try {
            String output = assertTimeoutPreemptively(Duration.ofSeconds(120),
                    () -> new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("the agent exits").isTrue();
            assertThat(agent.exitValue()).as("exit code; output:%n%s", output).isEqualTo(exitCode);
            assertThat(output).doesNotContain("\tat ", "s3cret");
            return output;
        } finally {
            agent.destroyForcibly();
        }
    }

    /** The agent as a program, as a new user starts it outside Kubernetes: one line and exit code 1. */
    @Test
    void theAgentProgramWithNoApiServerPrintsOneLineAndExits(@TempDir Path dir) throws Exception {
        String url = nowhere();
        String output = runAgent(url, dir, 1);
        assertThat(output).contains("cannot reach the Kubernetes API server at " + url);
        assertThat(output.lines().filter(l -> l.contains("cannot reach"))).hasSize(1);
    }

    /** Run as root, the agent stops at once with one line, before it takes the Lease (none is left to release). */
    @Test
    void theAgentProgramRunAsRootStopsWithOneLineAndTakesNoLease(@TempDir Path dir) throws Exception {
        assumeTrue(OsUser.jvmIsRoot(), "runs only where the tests run as root");
        try (MockApi api = new MockApi()) {
            String output = runAgent("http://127.0.0.1:" + api.port(), dir, 1);
            assertThat(output.lines().filter(l -> l.contains("the agent runs as root"))).hasSize(1);
            assertThat(output).contains("securityContext.runAsUser").doesNotContain("initdb made cluster");
            assertThat(api.client().resources(Lease.class).inNamespace("default").withName("pg").get())
                    .as("no Lease taken").isNull();
        }
    }

    @Test
    void noApiServerAtTheAddressGivesOneLineNamingTheAddressAndWhatToSet() throws Exception {
        String url = nowhere();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl(url).withRequestTimeout(2_000).withConnectionTimeout(2_000)
                .withRequestRetryBackoffLimit(0).build()).build()) {
            // what Agent.start does first: the cluster view's informers list the Lease and the pods
            Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(120),
                    () -> catchThrowable(() -> new ClusterView(client, "default", "pg", "pg-0", System::nanoTime)
                            .close()));
            assertThat(failure).as("the cluster view could not start").isNotNull();
            String line = StartChecks.explain(failure, client.getMasterUrl()).orElseThrow();
            assertThat(line).contains("cannot reach the Kubernetes API server at " + url, "ConnectException",
                    "KUBERNETES_SERVICE_HOST", "KUBECONFIG").doesNotContain("\n");
        }
    }

    @Test
    void anUnknownHostIsNamedAndOtherFailuresAreNotExplainedAway() throws Exception {
        URL inCluster = new URL("https://kubernetes.default.svc/");
        KubernetesClientException failure = new KubernetesClientException("Operation: [list] for kind: [Lease]",
                new UnknownHostException("kubernetes.default.svc"));
        assertThat(StartChecks.explain(failure, inCluster)).hasValueSatisfying(line -> assertThat(line)
                .contains("https://kubernetes.default.svc/", "UnknownHostException: kubernetes.default.svc"));
        assertThat(StartChecks.explain(new KubernetesClientException("Forbidden"), inCluster)).isEmpty();
        assertThat(StartChecks.explain(new IllegalStateException("x"), inCluster)).isEmpty();
    }
}
