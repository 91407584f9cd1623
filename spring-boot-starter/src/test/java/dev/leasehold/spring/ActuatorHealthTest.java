package dev.leasehold.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** Boot 4's health registry finds the indicator under the name {@code leasehold}; a property switches it off. */
class ActuatorHealthTest {

    private final MockApi api = new MockApi();
    private final KubernetesClient client = api.client();

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({LeaseholdAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class})
    static class App {
    }

    @AfterEach
    void close() {
        api.close();
    }

    private ConfigurableApplicationContext run(String... extra) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .initializers(c -> c.getBeanFactory().registerSingleton("kubernetesClient", client))
                .properties("leasehold.election.lock.name=my-app", "leasehold.election.namespace=default",
                        "leasehold.election.identity=pod-a")
                .properties(extra)
                .run();
    }

    @Test
    void theRegistryServesTheElectionAsLeasehold() {
        try (ConfigurableApplicationContext context = run()) {
            LeaseholdElection election = context.getBean(LeaseholdElection.class);
            await().atMost(Duration.ofSeconds(20)).until(election::isLeader);
            var contributor = context.getBean(HealthContributorRegistry.class).getContributor("leasehold");
            assertThat(contributor).isInstanceOf(HealthIndicator.class);
            assertThat(((HealthIndicator) contributor).health().getStatus()).isEqualTo(Status.UP);
        }
    }

    @Test
    void managementHealthLeaseholdEnabledFalseSwitchesItOff() {
        try (ConfigurableApplicationContext context = run("management.health.leasehold.enabled=false")) {
            assertThat(context.getBeanNamesForType(LeaseholdHealthIndicator.class)).isEmpty();
            assertThat(context.getBean(HealthContributorRegistry.class).getContributor("leasehold")).isNull();
        }
    }
}
