package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The quickstart in docs/getting-started.md is this code, and it works against a real (mock) API server. */
class ReadmeQuickstartTest {

    private final MockApi api = new MockApi();
    private final List<String> happened = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void readmeShowsExactlyTheCodeThisTestRuns() throws IOException {
        String readme = Files.readString(Path.of("..", "docs", "getting-started.md"));
        String fromReadme = between(readme, "```java\n", "```", readme.indexOf("<!-- quickstart -->"));
        String source = Files.readString(Path.of("src/test/java/dev/leasehold/lock/lease/ReadmeQuickstartTest.java"));
        String fromTest = between(source, "// README begin\n", "// README end", 0);
        assertThat(normalise(fromReadme)).isEqualTo(normalise(fromTest));
    }

    @Test
    void quickstartLeadsAndReleasesOnClose() {
        KubernetesClient client = api.client();
        String podName = "pod-0";
        // README begin
        LeaseLock lock = LeaseLock.builder()
                .client(client)                 // your fabric8 KubernetesClient
                .namespace("default")
                .name("my-app")
                .identity(podName)              // unique per candidate, e.g. the pod name
                .build();
        try (LeaderElector elector = LeaderElector.builder()
                .lock(lock)
                .onStartedLeading(leadership -> startWork(leadership))
                .onStoppedLeading(() -> stopWork())
                .build()) {
            elector.start();
            awaitShutdown();
        }
        // README end
        assertThat(happened).containsExactly("started term 1", "stopped");
        Lease lease = client.leases().inNamespace("default").withName("my-app").get();
        assertThat(lease.getSpec().getHolderIdentity()).as("released on close: no holder").isNull();
        assertThat(lease.getSpec().getLeaseDurationSeconds()).as("a release lasts a second").isEqualTo(1);
    }

    private void startWork(Leadership leadership) {
        happened.add("started term " + leadership.term());
    }

    private void stopWork() {
        happened.add("stopped");
    }

    private void awaitShutdown() {
        await().atMost(Duration.ofSeconds(30)).until(() -> happened.contains("started term 1"));
    }

    private static String between(String text, String start, String end, int from) {
        int i = text.indexOf(start, from);
        assertThat(i).as("marker %s", start.strip()).isNotNegative();
        int j = text.indexOf(end, i + start.length());
        return text.substring(i + start.length(), j);
    }

    private static String normalise(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
