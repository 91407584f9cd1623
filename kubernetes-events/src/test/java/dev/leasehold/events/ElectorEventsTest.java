package dev.leasehold.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Electors on a Lease in fabric8's mock API server (CRUD mode, real HTTP) that record Events on it. */
class ElectorEventsTest {

    private final MockApi api = new MockApi();
    private final KubernetesClient client = api.client();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        try {
            for (int i = closing.size() - 1; i >= 0; i--) {
                closing.get(i).close();
            }
        } finally {
            api.close();
        }
    }

    private LeaderElector elector(String identity, KubernetesClient eventsClient) {
        EventRecorder recorder = EventRecorder.builder().client(eventsClient).lease("default", "my-app")
                .component("my-app").instance(identity).build();
        closing.add(recorder);
        return elector(identity, recorder);
    }

    private LeaderElector elector(String identity, EventRecorder recorder) {
        LeaseLock lock = LeaseLock.builder().client(client).namespace("default").name("my-app").identity(identity)
                .build();
        LeaderElector elector = LeaderElector.builder().lock(lock).listener(new ElectorEvents(recorder))
                .leaseDuration(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(3))
                .retryPeriod(Duration.ofSeconds(1)).build();
        closing.add(elector);
        elector.start();
        return elector;
    }

    /** The Events in the namespace, oldest first (by the unique suffix of their names, assigned in order). */
    private List<Event> events() {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .sorted(Comparator.comparing(e -> e.getMetadata().getName())).toList();
    }

    private List<String> messages() {
        return events().stream().map(Event::getMessage).toList();
    }

    @Test
    void eventsTellTheElectionAndTheHandoverOnTheLease() {
        LeaderElector first = elector("pod-0", client);
        await().atMost(Duration.ofSeconds(20)).until(first::isLeader);
        LeaderElector second = elector("pod-1", client);

        await().atMost(Duration.ofSeconds(10)).until(() -> messages().equals(List.of("pod-0 became leader")));
        Event event = events().get(0);
        String leaseUid = client.leases().inNamespace("default").withName("my-app").get().getMetadata().getUid();
        assertThat(event.getReason()).isEqualTo("LeaderElection");
        assertThat(event.getType()).isEqualTo("Normal");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("Lease");
        assertThat(event.getInvolvedObject().getApiVersion()).isEqualTo("coordination.k8s.io/v1");
        assertThat(event.getInvolvedObject().getNamespace()).isEqualTo("default");
        assertThat(event.getInvolvedObject().getName()).isEqualTo("my-app");
        assertThat(event.getInvolvedObject().getUid()).isEqualTo(leaseUid).isNotBlank();
        assertThat(event.getSource().getComponent()).isEqualTo("my-app");
        assertThat(event.getSource().getHost()).isEqualTo("pod-0");
        assertThat(event.getReportingInstance()).isEqualTo("pod-0");
        assertThat(event.getCount()).isEqualTo(1);
        assertThat(event.getMetadata().getName()).startsWith("my-app.");

        first.close();
        await().atMost(Duration.ofSeconds(10)).until(second::isLeader);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(messages()).containsExactly(
                "pod-0 became leader", "pod-0 stopped leading", "pod-1 became leader"));
    }

    /** The README's Role for Events grants exactly the verbs the recorder's requests on {@code events} need. */
    @Test
    void theReadmeRoleGrantsExactlyTheVerbsTheRecorderUsesOnEvents() throws Exception {
        EventRecorder recorder = EventRecorder.builder().client(client).lease("default", "my-app")
                .component("my-app").instance("pod-0").build();
        closing.add(recorder);
        LeaderElector first = elector("pod-0", recorder);
        await().atMost(Duration.ofSeconds(20)).until(first::isLeader);
        first.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.recorded() == 2); // became, stopped leading

        java.util.Set<String> verbs = new java.util.TreeSet<>();
        for (var request : api.takeRequests()) {
            if (request.getPath().contains("/events")) {
                verbs.add(switch (request.getMethod()) {
                    case "POST" -> "create";
                    case "PATCH" -> "patch";
                    case "PUT" -> "update";
                    case "DELETE" -> "delete";
                    default -> request.getPath().contains("watch=true") ? "watch"
                            : request.getPath().matches(".*/events(\\?.*)?$") ? "list" : "get";
                });
            }
        }
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        String role = readme.substring(readme.indexOf("resources: [\"events\"]"));
        String granted = role.substring(role.indexOf("verbs: [") + "verbs: [".length(), role.indexOf(']', role.indexOf("verbs: [")));
        java.util.Set<String> readmeVerbs = new java.util.TreeSet<>();
        for (String v : granted.split(",")) {
            readmeVerbs.add(v.strip().replace("\"", ""));
        }
        assertThat(readmeVerbs).as("README's Role for events").isEqualTo(verbs);
    }

    @Test
    void aForbiddenEventsApiDoesNotDisturbTheElection() {
        // the events client talks to a server that refuses every Event with 403, as without RBAC for events
        KubernetesMockServer refusing = new KubernetesMockServer(false);
        refusing.init();
        refusing.expect().post().withPath("/api/v1/namespaces/default/events")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                        "events is forbidden: User \"system:serviceaccount:default:my-app\" cannot create resource")
                        .build())
                .always();
        KubernetesClient forbidden = refusing.createClient();
        closing.add(refusing::destroy);
        closing.add(forbidden);
        EventRecorder recorder = EventRecorder.builder().client(forbidden).lease("default", "my-app")
                .instance("pod-0").build();
        closing.add(recorder);

        LeaderElector first = elector("pod-0", recorder);
        await().atMost(Duration.ofSeconds(20)).until(first::isLeader);
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.failed() == 1);
        LeaderElector second = elector("pod-1", client);
        first.close();
        await().atMost(Duration.ofSeconds(10)).until(second::isLeader);

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.failed() == 2);
        assertThat(recorder.recorded()).isZero();
        assertThat(first.isLeader()).isFalse();
        // the other candidate's recorder may write: its Events are there, pod-0's are not
        await().atMost(Duration.ofSeconds(10)).until(() -> messages().equals(List.of("pod-1 became leader")));
    }
}
