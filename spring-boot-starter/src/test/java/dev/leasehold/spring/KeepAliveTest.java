package dev.leasehold.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A whole application in a JVM of its own keeps competing after its {@code main} returns, with a web server and
 * without one: the starter's non-daemon keep-alive thread holds a non-web JVM up; SIGTERM (Spring's shutdown hook)
 * still ends it and releases the Lease. Bounds on waiting are generous; nothing here measures speed.
 */
class KeepAliveTest {

    private static final Duration PATIENCE = Duration.ofMinutes(3);

    private final MockApi api = new MockApi();
    private final KubernetesClient client = api.client();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void close() {
        try {
            processes.forEach(Process::destroyForcibly);
        } finally {
            api.close();
        }
    }

    @Test
    void aNonWebApplicationKeepsCompetingAfterMainReturnsAndStopsOnSigterm() throws Exception {
        keepsLeadingAfterMainReturnsAndReleasesOnSigterm("none", "batch-0");
    }

    @Test
    void aWebApplicationKeepsCompetingAfterMainReturnsAndStopsOnSigterm() throws Exception {
        keepsLeadingAfterMainReturnsAndReleasesOnSigterm("web", "web-0");
    }

    @Test
    void withKeepAliveOffANonWebApplicationEndsWhenMainReturns() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        Process app = start(out, "none", "batch-1", "leasehold.election.keep-alive=false");
        assertThat(app.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("with keep-alive off nothing holds the JVM up once main returns; output: %s", out).isTrue();
        assertThat(out).contains(KeepAliveApp.MAIN_RETURNED);
    }

    private void keepsLeadingAfterMainReturnsAndReleasesOnSigterm(String web, String identity) throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        Process app = start(out, web, identity);
        await().atMost(PATIENCE).until(() -> out.contains(KeepAliveApp.MAIN_RETURNED) && holder().equals(identity));

        // main has returned: renews that keep landing show the JVM is still up and still in the election
        String renewedBefore = renewTime();
        await().atMost(PATIENCE).until(() -> !renewTime().equals(renewedBefore));
        assertThat(app.isAlive()).isTrue();

        app.destroy(); // SIGTERM
        assertThat(app.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("exits on SIGTERM; output: %s", out)
                .isTrue();
        assertThat(holder()).as("the shutdown hook closed the context, which released the Lease").isEmpty();
        assertThat(out).contains("started leading term 1");
    }

    private Process start(List<String> out, String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-Dkubernetes.master=http://" + api.host() + ":" + api.port(),
                "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
                "-Dkubernetes.namespace=default",
                "-cp", classpath, KeepAliveApp.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    out.add(line);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, "keep-alive-app-output");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private Lease lease() {
        return client.leases().inNamespace("default").withName("keep-alive").get();
    }

    private String holder() {
        Lease lease = lease();
        String holder = lease == null ? null : lease.getSpec().getHolderIdentity();
        return holder == null ? "" : holder;
    }

    private String renewTime() {
        Lease lease = lease();
        return lease == null || lease.getSpec().getRenewTime() == null ? "" : lease.getSpec().getRenewTime().toString();
    }
}
