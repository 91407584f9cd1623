package dev.leasehold.samples.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fencing store against a mock API server in CRUD mode (real resourceVersion conflicts). */
class FencedConfigMapTest {

    private MockApi api;
    private KubernetesClient client;
    private FencedConfigMap store;

    @BeforeEach
    void start() {
        api = new MockApi();
        client = api.client();
        store = new FencedConfigMap(client, "test", "state");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static Map<String, String> put(Map<String, String> data, String key, String value) {
        Map<String, String> next = new HashMap<>(data);
        next.put(key, value);
        return next;
    }

    @Test
    void anOlderTermIsRejectedTheSameOrANewerOneAccepted() {
        store.write(2, data -> put(data, "x", "from term 2"));

        assertThatThrownBy(() -> store.write(1, data -> put(data, "x", "from term 1")))
                .isInstanceOf(StaleTermException.class)
                .hasMessage("write to ConfigMap test/state with term 1 rejected: term 2 has already written to it");
        assertThat(store.data()).containsEntry("x", "from term 2");

        store.write(2, data -> put(data, "y", "again term 2"));
        store.write(3, data -> put(data, "x", "from term 3"));
        assertThat(store.highestTerm()).isEqualTo(3);
        assertThat(store.data()).containsEntry("x", "from term 3").containsEntry("y", "again term 2");
    }

    @Test
    void aWriteRacedByANewerTermConflictsRereadsAndIsRejected() throws Exception {
        store.write(1, data -> put(data, "x", "first"));
        CountDownLatch staleHasRead = new CountDownLatch(1);
        CountDownLatch newerHasWritten = new CountDownLatch(1);

        CompletableFuture<FencedConfigMap.Written> stale = CompletableFuture.supplyAsync(() ->
                store.write(1, data -> {
                    if (newerHasWritten.getCount() > 0) {
                        staleHasRead.countDown();
                        awaitQuietly(newerHasWritten);
                    }
                    return put(data, "x", "stale");
                }));
        assertThat(staleHasRead.await(10, TimeUnit.SECONDS)).isTrue();
        store.write(2, data -> put(data, "x", "newer"));
        newerHasWritten.countDown();

        assertThat(stale).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(StaleTermException.class);
        assertThat(store.data()).containsEntry("x", "newer");
        assertThat(store.highestTerm()).isEqualTo(2);
    }

    @Test
    void anUnreadableTermAnnotationIsNamedNotOverwritten() {
        client.configMaps().inNamespace("test").resource(new ConfigMapBuilder().withNewMetadata().withName("state")
                .addToAnnotations(FencedConfigMap.TERM_ANNOTATION, "three").endMetadata()
                .addToData("x", "kept").build()).create();

        assertThatThrownBy(() -> store.write(5, data -> put(data, "x", "lost")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(FencedConfigMap.TERM_ANNOTATION).hasMessageContaining("\"three\"");
        assertThat(store.data()).containsEntry("x", "kept");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
