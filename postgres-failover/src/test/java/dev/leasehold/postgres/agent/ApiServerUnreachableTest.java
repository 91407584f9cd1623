package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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

/** Issue 17, item 9: with no API server reachable the agent ended in a 139-line stack trace. */
class ApiServerUnreachableTest {

    /** A loopback address where nothing listens. */
    private static String nowhere() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "https://127.0.0.1:" + s.getLocalPort() + "/"; // closed again on return
        }
    }

    /** The agent as a program, as a new user starts it outside Kubernetes: one line and exit code 1. */
    @Test
    void theAgentProgramWithNoApiServerPrintsOneLineAndExits(@TempDir Path dir) throws Exception {
        String url = nowhere();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("LEASEHOLD_") || k.startsWith("KUBE"));
        env.putAll(Map.of("KUBERNETES_MASTER", url, "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
                "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false", "LEASEHOLD_MEMBER", "pg-0", "LEASEHOLD_CLUSTER", "pg",
                "LEASEHOLD_NAMESPACE", "default", "LEASEHOLD_PG_DATA", dir.resolve("data").toString(),
                "LEASEHOLD_SUPERUSER_PASSWORD", "s3cret-super", "LEASEHOLD_REPLICATION_PASSWORD", "s3cret-repl",
                "LEASEHOLD_HTTP_PORT", "0"));
        Process agent = pb.start();
        try {
            String output = assertTimeoutPreemptively(Duration.ofSeconds(120),
                    () -> new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("the agent exits").isTrue();
            assertThat(agent.exitValue()).as("exit code; output:%n%s", output).isEqualTo(1);
            assertThat(output).contains("cannot reach the Kubernetes API server at " + url)
                    .doesNotContain("\tat ", "s3cret");
            assertThat(output.lines().filter(l -> l.contains("cannot reach"))).hasSize(1);
        } finally {
            agent.destroyForcibly();
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
            String line = ApiServerUnreachable.explain(failure, client.getMasterUrl()).orElseThrow();
            assertThat(line).contains("cannot reach the Kubernetes API server at " + url, "ConnectException",
                    "KUBERNETES_SERVICE_HOST", "KUBECONFIG").doesNotContain("\n");
        }
    }

    @Test
    void anUnknownHostIsNamedAndOtherFailuresAreNotExplainedAway() throws Exception {
        URL inCluster = new URL("https://kubernetes.default.svc/");
        KubernetesClientException failure = new KubernetesClientException("Operation: [list] for kind: [Lease]",
                new UnknownHostException("kubernetes.default.svc"));
        assertThat(ApiServerUnreachable.explain(failure, inCluster)).hasValueSatisfying(line -> assertThat(line)
                .contains("https://kubernetes.default.svc/", "UnknownHostException: kubernetes.default.svc"));
        assertThat(ApiServerUnreachable.explain(new KubernetesClientException("Forbidden"), inCluster)).isEmpty();
        assertThat(ApiServerUnreachable.explain(new IllegalStateException("x"), inCluster)).isEmpty();
    }
}
