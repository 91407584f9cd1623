package dev.leasehold.samples.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two sidecars on one Lease of a mock API server in CRUD mode, over real HTTP on both sides. */
class SidecarTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private MockApi api;
    private KubernetesClient client;
    private final List<Sidecar> sidecars = new ArrayList<>();

    @BeforeEach
    void startApi() {
        api = new MockApi();
        client = api.client();
    }

    @AfterEach
    void stop() {
        try {
            sidecars.forEach(Sidecar::close);
        } finally {
            api.close();
        }
    }

    /**
     * A sidecar on Lease test/web with the default timings (15 s / 10 s / 2 s: a loaded machine does not make the
     * leader miss its renew deadline; a graceful handover does not wait for them) and any free port.
     */
    static SidecarSettings settings(String identity) {
        return new SidecarSettings("test", identity, "web", Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), 0);
    }

    private Sidecar start(String identity) {
        Sidecar sidecar = Sidecar.start(settings(identity), client);
        sidecars.add(sidecar);
        return sidecar;
    }

    @Test
    void exactlyOneIsReadyBothNameItAndClosingItMovesReadinessToTheOther() {
        Sidecar a = start("pod-a");
        Sidecar b = start("pod-b");

        await().atMost(WAIT).until(() -> readyCount(a, b) == 1);
        Sidecar leader = Http.get(a.port(), "/readyz").status() == 200 ? a : b;
        Sidecar follower = leader == a ? b : a;
        assertThat(Http.get(follower.port(), "/readyz").status()).isEqualTo(503);
        assertThat(Http.get(follower.port(), "/readyz").json()).containsEntry("ready", false);

        Map<String, Object> fromLeader = Http.get(leader.port(), "/leader").json();
        Map<String, Object> fromFollower = Http.get(follower.port(), "/leader").json();
        assertThat(fromLeader).containsEntry("holder", leader.settings().identity()).containsEntry("leading", true);
        assertThat(fromFollower).containsEntry("holder", leader.settings().identity())
                .containsEntry("leading", false);
        assertThat(fromFollower.get("term")).isEqualTo(fromLeader.get("term")).isInstanceOf(Integer.class);
        assertThat(fromFollower.get("since")).isEqualTo(fromLeader.get("since")).isNotNull();
        assertThat(Http.get(leader.port(), "/healthz").status()).isEqualTo(200);
        assertThat(Http.get(follower.port(), "/healthz").status()).isEqualTo(200);

        leader.close();

        await().atMost(WAIT).until(() -> Http.get(follower.port(), "/readyz").status() == 200);
        Map<String, Object> after = Http.get(follower.port(), "/leader").json();
        assertThat(after).containsEntry("holder", follower.settings().identity()).containsEntry("leading", true);
        assertThat((Integer) after.get("term")).isGreaterThan((Integer) fromLeader.get("term"));
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAShortReason() {
        Sidecar a = start("pod-a");

        Http.Answer unknown = Http.get(a.port(), "/nope");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").toString()).contains("/nope").contains("/readyz");

        Http.Answer post = Http.send(a.port(), "/leader", "POST");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.allow()).isEqualTo("GET");
        assertThat(post.json().get("error").toString()).contains("POST").contains("/leader");

        for (Http.Answer answer : List.of(unknown, post)) {
            assertThat(answer.body()).doesNotContain("Exception").doesNotContain("\tat ").hasLineCount(1);
        }
    }

    @Test
    void aFailingHandlerAnswers500WithOneLineAndNoStackTrace() {
        try (SidecarHttp http = new SidecarHttp(0, Map.of("/boom", () -> {
            throw new IllegalStateException("the Lease is \"odd\"");
        }))) {
            Http.Answer answer = Http.get(http.port(), "/boom");

            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.json()).containsEntry("error",
                    "GET /boom failed: IllegalStateException: the Lease is \"odd\"");
            assertThat(answer.body()).doesNotContain("\tat ").hasLineCount(1);
        }
    }

    @Test
    void leaderAnswers503WithTheLastKnownHolderWhenTheLeaseCannotBeRead() {
        Sidecar a = start("pod-a");
        await().atMost(WAIT).until(a::isLeader);

        api.close(); // the API server is gone

        Http.Answer answer = Http.get(a.port(), "/leader");
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.json()).containsEntry("holder", "pod-a").containsEntry("term", null);
        assertThat(answer.json().get("error").toString()).contains("Lease test/web");
    }

    private static int readyCount(Sidecar... all) {
        int ready = 0;
        for (Sidecar sidecar : all) {
            if (Http.get(sidecar.port(), "/readyz").status() == 200) {
                ready++;
            }
        }
        return ready;
    }
}
