package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.leasehold.events.EventRecorder;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent's Events land on the cluster's Lease, with reasons and types people can filter on. */
class AgentEventsTest {

    @Test
    void promotionsFencesRejoinsAndSwitchoversBecomeEventsOnTheLease() {
        try (MockApi api = new MockApi();
                EventRecorder recorder = EventRecorder.builder().client(api.client()).lease("default", "pg")
                        .component("leasehold-agent").instance("pg-1").build()) {
            AgentEvents events = new AgentEvents(recorder, "pg-1");
            events.onPromoted(4, "failover");
            events.onFenced(Duration.ofMillis(120), "term 4 is no longer valid");
            events.onRejoined("REWOUND");
            events.onSwitchover("pg-1", "pg-2", Duration.ofMillis(2300));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<Event> all = api.client().v1().events().inNamespace("default").list().getItems();
                assertThat(all).extracting(Event::getReason)
                        .containsExactlyInAnyOrder("Failover", "Fenced", "Rejoined", "Switchover");
                assertThat(all).allSatisfy(e -> {
                    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Lease");
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("pg");
                });
                Event fenced = all.stream().filter(e -> e.getReason().equals("Fenced")).findFirst().orElseThrow();
                assertThat(fenced.getType()).isEqualTo("Warning");
                assertThat(fenced.getMessage()).isEqualTo("pg-1 fenced its PostgreSQL in 120 ms: term 4 is no longer "
                        + "valid");
            });
        }
    }

    @Test
    void theSettingIsTrueOrFalse() {
        assertThat(AgentMain.eventsWanted(null)).isFalse();
        assertThat(AgentMain.eventsWanted("true")).isTrue();
        assertThatThrownBy(() -> AgentMain.eventsWanted("yes")).hasMessage("LEASEHOLD_EVENTS = \"yes\" must be true "
                + "or false");
    }

    @Test
    void leaseholdEventsIsASettingTheAgentAccepts() {
        // AgentMain reads LEASEHOLD_EVENTS, so the settings must not refuse it as unknown (they did, stopping start-up)
        java.util.Map<String, String> env = java.util.Map.of("LEASEHOLD_EVENTS", "true");
        org.assertj.core.api.Assertions.assertThatCode(() -> AgentSettings.from(env))
                .satisfiesAnyOf(t -> assertThat(t).isNull(),
                        t -> assertThat(t).hasMessageNotContaining("LEASEHOLD_EVENTS is not a setting"));
        assertThat(AgentMain.eventsWanted(env.get(AgentMain.EVENTS))).isTrue();
    }
}
