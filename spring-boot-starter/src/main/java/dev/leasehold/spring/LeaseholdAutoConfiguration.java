package dev.leasehold.spring;

import dev.leasehold.core.ElectorListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configures a {@link LeaseholdElection} from {@code leasehold.election.*}, with its meters when Micrometer
 * and leasehold-micrometer are present, Kubernetes Events when asked for, and an Actuator health indicator.
 * Every {@link ElectorListener} bean hears the elector too. Uses the application's {@link KubernetesClient}
 * bean, or makes one from the environment (in-cluster or kubeconfig).
 */
@AutoConfiguration(afterName = {
        "org.springframework.cloud.kubernetes.fabric8.Fabric8AutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnProperty(prefix = "leasehold.election", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LeaseholdElectionProperties.class)
public class LeaseholdAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    KubernetesClient leaseholdKubernetesClient() {
        return new KubernetesClientBuilder().build();
    }

    @Bean
    @ConditionalOnMissingBean
    LeaseholdElection leaseholdElection(LeaseholdElectionProperties properties, KubernetesClient client,
            ApplicationEventPublisher publisher, ObjectProvider<ElectionAddon> addons,
            ObjectProvider<ElectorListener> listeners) {
        ElectionSettings settings = ElectionSettings.resolve(properties, client, PodEnvironment.current());
        return new LeaseholdElection(settings, client, publisher, addons.orderedStream().toList(),
                listeners.orderedStream().toList(), properties.keepAlive());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.leasehold.micrometer.ElectorMetrics", "io.micrometer.core.instrument.MeterRegistry"})
    @ConditionalOnProperty(prefix = "leasehold.election.metrics", name = "enabled", matchIfMissing = true)
    static class Metrics {

        @Bean
        ElectionAddon leaseholdMetrics(ObjectProvider<MeterRegistry> registry, LeaseholdElectionProperties properties) {
            return new MetricsAddon(registry::getIfUnique, properties.metrics().clientGoAliases());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.leasehold.events.EventRecorder")
    @ConditionalOnProperty(prefix = "leasehold.election.events", name = "enabled", havingValue = "true")
    static class Events {

        @Bean
        ElectionAddon leaseholdEvents(KubernetesClient client, LeaseholdElectionProperties properties,
                Environment environment) {
            String component = properties.events().component();
            if (component == null || component.isBlank()) {
                component = environment.getProperty("spring.application.name", "leasehold");
            }
            return new EventsAddon(client, component);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.leasehold", name = "enabled", matchIfMissing = true)
    static class Health {

        @Bean
        @ConditionalOnMissingBean
        LeaseholdHealthIndicator leaseholdHealthIndicator(LeaseholdElection election) {
            return new LeaseholdHealthIndicator(election);
        }
    }

}
