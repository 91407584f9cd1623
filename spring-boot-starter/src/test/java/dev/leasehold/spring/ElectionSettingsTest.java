package dev.leasehold.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Configuration;

class ElectionSettingsTest {

    @TempDir
    Path dir;

    private final MockApi api = new MockApi();

    @AfterEach
    void close() {
        api.close();
    }

    private static LeaseholdElectionProperties properties(String namespace, String identity, String name) {
        return new LeaseholdElectionProperties(true, new LeaseholdElectionProperties.Lock(LockKind.LEASE, name),
                namespace, identity, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), true, true,
                new LeaseholdElectionProperties.Events(false, null),
                new LeaseholdElectionProperties.Metrics(true, false));
    }

    private KubernetesClient clientIn(String namespace) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(api.client().getConfiguration())
                .withNamespace(namespace).build()).build();
    }

    @Test
    void theNamespaceComesFromThePodsServiceAccountMountNotDefault() throws IOException {
        Path file = Files.writeString(dir.resolve("namespace"), "payments\n");
        PodEnvironment pod = new PodEnvironment(file, Map.of("HOSTNAME", "app-7d9f-x2", "PATH", "/bin"));
        try (KubernetesClient client = clientIn("default")) {
            ElectionSettings s = ElectionSettings.resolve(properties(null, null, "my-app"), client, pod);
            assertThat(s.namespace()).isEqualTo("payments");
            assertThat(s.identity()).isEqualTo("app-7d9f-x2");
            assertThat(s.describe()).isEqualTo("Lease payments/my-app");
        }
    }

    @Test
    void outsideAPodTheClientsNamespaceAndThePodNameVariableServe() {
        PodEnvironment pod = new PodEnvironment(dir.resolve("absent"), Map.of("POD_NAME", "p-0", "HOSTNAME", "h"));
        try (KubernetesClient client = clientIn("team-a")) {
            ElectionSettings s = ElectionSettings.resolve(properties(null, null, "my-app"), client, pod);
            assertThat(s.namespace()).isEqualTo("team-a");
            assertThat(s.identity()).isEqualTo("p-0");
        }
    }

    @Test
    void setPropertiesWin() throws IOException {
        Path file = Files.writeString(dir.resolve("namespace"), "payments");
        PodEnvironment pod = new PodEnvironment(file, Map.of("HOSTNAME", "h"));
        try (KubernetesClient client = clientIn("team-a")) {
            ElectionSettings s = ElectionSettings.resolve(properties("ops", "me", "my-app"), client, pod);
            assertThat(s.namespace()).isEqualTo("ops");
            assertThat(s.identity()).isEqualTo("me");
        }
    }

    @Test
    void missingSettingsAreNamed() {
        PodEnvironment pod = new PodEnvironment(dir.resolve("absent"), Map.of("HOSTNAME", "h"));
        try (KubernetesClient client = clientIn(null)) {
            assertThatThrownBy(() -> ElectionSettings.resolve(properties("ns", null, null), client, pod))
                    .hasMessageStartingWith("leasehold.election.lock.name must be set");
            if (client.getNamespace() == null) {
                assertThatThrownBy(() -> ElectionSettings.resolve(properties(null, null, "x"), client, pod))
                        .hasMessageStartingWith("leasehold.election.namespace is not set");
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(LeaseholdAutoConfiguration.class)
    static class App {
    }

    @Test
    void aBadDurationFailsTheContextNamingTheProperty() {
        KubernetesClient client = api.client();
        SpringApplicationBuilder app = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .initializers(c -> c.getBeanFactory().registerSingleton("kubernetesClient", client))
                .properties("leasehold.election.lock.name=my-app", "leasehold.election.namespace=default",
                        "leasehold.election.identity=me", "leasehold.election.renew-deadline=20s");
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(app::run);
        assertThat(failure).hasStackTraceContaining("leasehold.election: renewDeadline = PT20S")
                .rootCause().hasMessageStartingWith("renewDeadline = PT20S must be below leaseDuration (PT15S)");
    }

    @Test
    void disabledMeansNoElection() {
        KubernetesClient client = api.client();
        try (var context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .initializers(c -> c.getBeanFactory().registerSingleton("kubernetesClient", client))
                .properties("leasehold.election.enabled=false").run()) {
            assertThat(context.getBeanNamesForType(LeaseholdElection.class)).isEmpty();
        }
    }
}
