package dev.leasehold.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventRecorderTest {

    private final MockApi api = new MockApi();
    private final KubernetesClient client = api.client();

    @AfterEach
    void close() {
        api.close();
    }

    private List<Event> events() {
        return client.v1().events().inNamespace("db").list().getItems();
    }

    @Test
    void recordsAnyReasonOnTheObjectForOtherComponentsToo() {
        client.configMaps().inNamespace("db").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("pg").endMetadata().build()).create();
        try (EventRecorder recorder = EventRecorder.builder().client(client).configMap("db", "pg")
                .component("leasehold-agent").instance("pg-1").executor(Runnable::run).build()) {
            assertThat(recorder.record("Failover", "pg-1 promoted on timeline 3", EventType.WARNING)).isTrue();
        }
        Event event = events().get(0);
        assertThat(event.getReason()).isEqualTo("Failover");
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getMessage()).isEqualTo("pg-1 promoted on timeline 3");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("ConfigMap");
        assertThat(event.getInvolvedObject().getUid()).isNotBlank();
        assertThat(event.getSource().getComponent()).isEqualTo("leasehold-agent");
    }

    @Test
    void aMissingObjectStillGetsItsEventWithoutUid() {
        try (EventRecorder recorder = EventRecorder.builder().client(client).endpoints("db", "gone")
                .executor(Runnable::run).build()) {
            recorder.record("Rejoin", "pg-2 rejoined", EventType.NORMAL);
            assertThat(recorder.recorded()).isEqualTo(1);
        }
        assertThat(events()).singleElement().satisfies(e -> assertThat(e.getInvolvedObject().getUid()).isNull());
    }

    @Test
    void theRateLimitAllowsABurstThenOnePerRefill() {
        AtomicLong now = new AtomicLong();
        client.leases().inNamespace("db").resource(new LeaseBuilder().withNewMetadata().withName("pg").endMetadata()
                .build()).create();
        try (EventRecorder recorder = EventRecorder.builder().client(client).lease("db", "pg")
                .rateLimit(3, Duration.ofSeconds(10)).nanoTime(now::get).executor(Runnable::run).build()) {
            List<Boolean> taken = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                taken.add(recorder.record("Fence", "fence " + i, EventType.WARNING));
            }
            assertThat(taken).containsExactly(true, true, true, false, false);
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            assertThat(recorder.record("Fence", "fence 5", EventType.WARNING)).isTrue();
            assertThat(recorder.record("Fence", "fence 6", EventType.WARNING)).isFalse();
            assertThat(recorder.recorded()).isEqualTo(4);
            assertThat(recorder.dropped()).isEqualTo(3);
        }
        assertThat(events()).extracting(Event::getMessage)
                .containsExactlyInAnyOrder("fence 0", "fence 1", "fence 2", "fence 5");
    }

    @Test
    void aFullQueueDropsInsteadOfBlocking() {
        List<Runnable> parked = new ArrayList<>();
        try (EventRecorder recorder = EventRecorder.builder().client(client).lease("db", "pg").queueCapacity(2)
                .executor(parked::add).build()) {
            assertThat(recorder.record("A", "one", EventType.NORMAL)).isTrue();
            assertThat(recorder.record("A", "two", EventType.NORMAL)).isTrue();
            assertThat(recorder.record("A", "three", EventType.NORMAL)).isFalse();
            assertThat(recorder.dropped()).isEqualTo(1);
            assertThat(parked).as("one drain task at a time").hasSize(1);
            parked.get(0).run();
            assertThat(recorder.recorded()).isEqualTo(2);
            recorder.close();
            assertThat(recorder.record("A", "after close", EventType.NORMAL)).isFalse();
        }
        assertThat(events()).extracting(Event::getMessage).containsExactlyInAnyOrder("one", "two");
    }

    @Test
    void badInputIsNamed() {
        EventRecorder.Builder ok = EventRecorder.builder().client(client).lease("db", "pg");
        assertThatThrownBy(() -> EventRecorder.builder().client(client).build())
                .hasMessageContaining("lease(namespace, name)");
        assertThatThrownBy(() -> EventRecorder.builder().lease("db", "pg").build()).hasMessage("client must be set");
        assertThatThrownBy(() -> EventRecorder.builder().client(client).lease("db", "pg").queueCapacity(0).build())
                .hasMessage("queueCapacity must be positive, was 0");
        assertThatThrownBy(() -> EventRecorder.builder().client(client).lease("db", "pg")
                .rateLimit(1, Duration.ZERO).build()).hasMessage("rateLimit refill must be positive, was PT0S");
        try (EventRecorder recorder = ok.executor(Runnable::run).build()) {
            assertThatThrownBy(() -> recorder.record("became leader", "x", EventType.NORMAL))
                    .hasMessageContaining("reason must be").hasMessageContaining("\"became leader\"");
            assertThatThrownBy(() -> recorder.record("Ok", " ", EventType.NORMAL))
                    .hasMessageContaining("message must not be blank");
        }
    }

    /** Bug: close() returned at once, so an application closing its client next lost the last Event. */
    @Test
    void closeWritesWhatIsQueuedBeforeTheClientGoesAway() throws Exception {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        EventRecorder recorder = EventRecorder.builder().client(client).lease("db", "pg")
                .executor(task -> new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    task.run();
                }).start())
                .build();
        for (int i = 0; i < 3; i++) {
            recorder.record("Switchover", "step " + i, EventType.NORMAL);
        }
        go.countDown();
        recorder.close();
        assertThat(recorder.recorded()).isEqualTo(3);
        assertThat(events()).hasSize(3);
    }

    @Test
    void closeGivesUpAfterItsTimeout() {
        List<Runnable> parked = new ArrayList<>();
        EventRecorder recorder = EventRecorder.builder().client(client).lease("db", "pg")
                .closeTimeout(Duration.ofMillis(50)).executor(parked::add).build();
        recorder.record("Fence", "never written", EventType.WARNING);
        recorder.close();
        assertThat(recorder.recorded()).isZero();
        assertThat(parked).hasSize(1);
    }
}
