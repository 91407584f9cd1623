package dev.leasehold.samples.josdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.Leadership;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fencing rules of the reconciler, called directly against the mock API server. */
class TermStampedCopyReconcilerTest {

    private final MockApi api = new MockApi();
    private final KubernetesClient client = api.client();

    /** A term handle with a fixed validity: a value, not a mock. */
    private record FixedTerm(String identity, long term, boolean isValid) implements Leadership {
        @Override
        public java.time.Duration validFor() {
            return isValid ? java.time.Duration.ofDays(1) : java.time.Duration.ZERO;
        }

        @Override
        public CompletableFuture<Void> lost() {
            return new CompletableFuture<>();
        }
    }

    @AfterEach
    void close() {
        api.close();
    }

    private ConfigMap source(String value) {
        return client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace("demo").withName("settings")
                .endMetadata().withData(Map.of("value", value)).build()).createOr(op -> op.update());
    }

    private void stampCopy(String term) {
        client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace("demo").withName("settings-copy")
                .addToAnnotations(TermStampedCopyReconciler.TERM, term).endMetadata()
                .withData(Map.of("value", "newer")).build()).create();
    }

    private ConfigMap copy() {
        return client.configMaps().inNamespace("demo").withName("settings-copy").get();
    }

    @Test
    void writesTheCopyStampedWithItsTerm() {
        new TermStampedCopyReconciler(client, new FixedTerm("pod-0", 7, true)).reconcile(source("a"), null);
        assertThat(copy().getData()).containsEntry("value", "a");
        assertThat(copy().getMetadata().getAnnotations()).containsEntry(TermStampedCopyReconciler.TERM, "7")
                .containsEntry(TermStampedCopyReconciler.WRITER, "pod-0");
    }

    @Test
    void neverOverwritesACopyOfANewerTerm() {
        stampCopy("9");
        new TermStampedCopyReconciler(client, new FixedTerm("pod-0", 7, true)).reconcile(source("stale"), null);
        assertThat(copy().getData()).containsEntry("value", "newer");
        assertThat(copy().getMetadata().getAnnotations()).containsEntry(TermStampedCopyReconciler.TERM, "9");
    }

    @Test
    void writesNothingOnceItsTermIsOver() {
        new TermStampedCopyReconciler(client, new FixedTerm("pod-0", 7, false)).reconcile(source("late"), null);
        assertThat(copy()).isNull();
    }

    @Test
    void anUnreadableStampCountsAsNone() {
        stampCopy("not-a-number");
        new TermStampedCopyReconciler(client, new FixedTerm("pod-0", 3, true)).reconcile(source("b"), null);
        assertThat(copy().getData()).containsEntry("value", "b");
        assertThat(copy().getMetadata().getAnnotations()).containsEntry(TermStampedCopyReconciler.TERM, "3");
    }
}
