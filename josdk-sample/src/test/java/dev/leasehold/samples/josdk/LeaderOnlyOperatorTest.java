package dev.leasehold.samples.josdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two operator replicas on fabric8's mock API server: only the Lease holder reconciles; a handover moves it. */
class LeaderOnlyOperatorTest {

    private final MockApi api = new MockApi();
    private final KubernetesClient admin = api.client();
    private final List<LeaderOnlyOperator> replicas = new ArrayList<>();

    @AfterEach
    void close() {
        replicas.forEach(LeaderOnlyOperator::close);
        api.close();
    }

    private LeaderOnlyOperator replica(String identity) {
        KubernetesClient client = api.client();
        LeaseLock lock = LeaseLock.builder().client(client).namespace("demo").name("copy-operator")
                .identity(identity).build();
        LeaderOnlyOperator replica = new LeaderOnlyOperator(client,
                LeaderElector.builder().lock(lock).leaseDuration(Duration.ofSeconds(4))
                        .renewDeadline(Duration.ofSeconds(3)).retryPeriod(Duration.ofSeconds(1)),
                Duration.ofSeconds(1),
                (operator, leadership) -> operator.register(new TermStampedCopyReconciler(client, leadership)));
        replicas.add(replica);
        replica.start();
        return replica;
    }


    private ConfigMap copy() {
        return admin.configMaps().inNamespace("demo").withName("settings-copy").get();
    }

    private boolean copyIs(String value, String term, String writer) {
        ConfigMap copy = copy();
        return copy != null && value.equals(copy.getData().get("value"))
                && term.equals(copy.getMetadata().getAnnotations().get(TermStampedCopyReconciler.TERM))
                && writer.equals(copy.getMetadata().getAnnotations().get(TermStampedCopyReconciler.WRITER));
    }

    @Test
    void onlyTheLeaseHolderReconcilesAndAHandoverMovesTheOperator() {
        admin.resource(new ConfigMapBuilder().withNewMetadata().withNamespace("demo").withName("settings")
                .addToLabels(TermStampedCopyReconciler.SOURCE_LABEL, "source").endMetadata()
                .withData(Map.of("value", "1")).build()).create();
        LeaderOnlyOperator first = replica("pod-0");
        await().atMost(Duration.ofSeconds(20)).until(first.elector()::isLeader);
        LeaderOnlyOperator second = replica("pod-1");

        await().atMost(Duration.ofSeconds(30)).until(() -> copyIs("1", "1", "pod-0"));
        assertThat(first.operator()).isPresent();
        assertThat(second.operator()).isEmpty();
        assertThat(second.operatorsStarted()).isZero();

        first.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> second.operator().isPresent());
        assertThat(first.operator()).isEmpty();
        assertThat(first.elector().isLeader()).isFalse();

        ConfigMap source = admin.configMaps().inNamespace("demo").withName("settings").get();
        source.setData(Map.of("value", "2"));
        admin.resource(source).update();
        await().atMost(Duration.ofSeconds(30)).until(() -> copyIs("2", "2", "pod-1"));
        assertThat(first.operatorsStarted()).isEqualTo(1);
        assertThat(second.operatorsStarted()).isEqualTo(1);
    }
}
