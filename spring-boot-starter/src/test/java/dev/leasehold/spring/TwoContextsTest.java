package dev.leasehold.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Two real Spring Boot applications compete through the starter on a Lease in fabric8's mock API server. */
class TwoContextsTest {

    private final MockApi api = new MockApi();
    private final KubernetesClient client = api.client();
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(LeaseholdAutoConfiguration.class)
    static class App {
        @Bean
        PrometheusMeterRegistry registry() {
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        }

        @Bean
        Heard heard() {
            return new Heard();
        }
    }

    /** The election's application events, in the order they arrived. */
    static final class Heard implements ApplicationListener<LeaderElectionEvent> {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(LeaderElectionEvent event) {
            events.add(event instanceof StartLeadingEvent start ? event + " term " + start.term() : event.toString());
        }
    }

    @AfterEach
    void close() {
        try {
            contexts.forEach(ConfigurableApplicationContext::close);
        } finally {
            api.close();
        }
    }

    private ConfigurableApplicationContext start(String identity) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .initializers(c -> c.getBeanFactory().registerSingleton("kubernetesClient", client))
                .properties("spring.application.name=my-app",
                        "leasehold.election.lock.name=my-app",
                        "leasehold.election.namespace=default",
                        "leasehold.election.identity=" + identity,
                        "leasehold.election.lease-duration=4s",
                        "leasehold.election.renew-deadline=3s",
                        "leasehold.election.retry-period=1s",
                        "leasehold.election.events.enabled=true",
                        "leasehold.election.metrics.client-go-aliases=true")
                .run();
        contexts.add(context);
        return context;
    }

    private static LeaseholdElection election(ConfigurableApplicationContext context) {
        return context.getBean(LeaseholdElection.class);
    }

    private static List<String> heard(ConfigurableApplicationContext context) {
        return context.getBean(Heard.class).events;
    }

    private static String scrape(ConfigurableApplicationContext context) {
        return context.getBean(PrometheusMeterRegistry.class).scrape();
    }

    @Test
    void oneLeadsClosingItHandsOverAndTheEventsArriveInOrder() {
        ConfigurableApplicationContext a = start("pod-a");
        await().atMost(Duration.ofSeconds(20)).until(() -> election(a).isLeader());
        ConfigurableApplicationContext b = start("pod-b");
        await().atMost(Duration.ofSeconds(20)).until(() -> election(b).currentLeader().isPresent());

        assertThat(election(b).isLeader()).isFalse();
        assertThat(heard(a)).containsExactly("NewLeaderEvent[pod-a]", "StartLeadingEvent[pod-a] term 1");
        assertThat(heard(b)).containsExactly("NewLeaderEvent[pod-a]");

        Health health = a.getBean(LeaseholdHealthIndicator.class).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("leader", true).containsEntry("term", 1L)
                .containsEntry("currentLeader", "pod-a").containsEntry("lock", "Lease default/my-app");
        assertThat(b.getBean(LeaseholdHealthIndicator.class).health().getDetails()).containsEntry("leader", false);
        assertThat(scrape(a)).contains("leasehold_elector_leader{lock=\"default/my-app\"} 1.0",
                "leader_election_master_status{name=\"my-app\"} 1.0");
        assertThat(scrape(b)).contains("leasehold_elector_leader{lock=\"default/my-app\"} 0.0");

        List<String> heardByA = heard(a);
        LeaseholdHealthIndicator healthOfA = a.getBean(LeaseholdHealthIndicator.class);
        PrometheusMeterRegistry registryOfA = a.getBean(PrometheusMeterRegistry.class);
        a.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> election(b).isLeader());
        await().atMost(Duration.ofSeconds(10)).until(() -> heard(b).size() == 3);
        assertThat(heardByA).containsExactly("NewLeaderEvent[pod-a]", "StartLeadingEvent[pod-a] term 1",
                "StopLeadingEvent[pod-a]");
        assertThat(heard(b)).containsExactly("NewLeaderEvent[pod-a]", "NewLeaderEvent[pod-b]",
                "StartLeadingEvent[pod-b] term 2");
        assertThat(healthOfA.health().getStatus()).isEqualTo(Status.UNKNOWN);
        assertThat(registryOfA.scrape()).as("the closed elector's meters are gone").doesNotContain("leasehold_elector_leader");

        // the Kubernetes Events tell the same story on the Lease
        await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace("default").list()
                .getItems().stream().map(Event::getMessage).toList().containsAll(List.of(
                        "pod-a became leader", "pod-a stopped leading", "pod-b became leader")));
    }

    @Test
    void aStoppedContextCompetesAgainWhenStartedWithFreshMeters() {
        ConfigurableApplicationContext a = start("pod-a");
        await().atMost(Duration.ofSeconds(20)).until(() -> election(a).isLeader());
        a.stop();
        assertThat(election(a).isLeader()).isFalse();
        assertThat(election(a).isRunning()).isFalse();
        assertThat(scrape(a)).doesNotContain("leasehold_elector_leader");

        a.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> election(a).isLeader());
        assertThat(heard(a)).containsExactly("NewLeaderEvent[pod-a]", "StartLeadingEvent[pod-a] term 1",
                "StopLeadingEvent[pod-a]", "NewLeaderEvent[pod-a]", "StartLeadingEvent[pod-a] term 2");
        assertThat(scrape(a)).contains("leasehold_elector_leader{lock=\"default/my-app\"} 1.0",
                "leasehold_elector_transitions_total{lock=\"default/my-app\"} 1.0");
    }
}
