package dev.leasehold.postgres.agent;

import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitPrimary;
import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitReplicaOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leasehold.postgres.PostgresStatus;
import dev.leasehold.postgres.Rewind;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Planned switchovers with real servers and three agents on the mock API server (5/3/1). */
class AgentSwitchoverTest {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSwitchoverTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-token";
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    private Path tokenFile() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\n");
        return file;
    }

    private HttpResponse<String> post(AgentFixture f, int i, Optional<String> token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + f.agents[i].httpPort().orElseThrow() + "/switchover"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(60));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every write pg-{from} acknowledged is on pg-{to}, and the writes never overlapped. */
    private static void assertNothingLost(AgentFixture f, WriteProbe load, int from, int to) {
        Set<Long> onNew = WriteProbe.rowsOn(f.member(to));
        assertThat(load.acksBy("pg-" + from)).as("writes acknowledged by pg-%d", from).isNotEmpty();
        load.acksBy("pg-" + from).forEach(a -> assertThat(onNew)
                .as("write %d acknowledged by the old primary pg-%d, on pg-%d", a.id(), from, to).contains(a.id()));
        assertThat(load.overlaps()).as("two members acknowledged writes at once").isEmpty();
    }

    @Test
    void aSwitchoverRefusesAtOnceWhenItsStandbysStoppedThoughTheirLastStatusesAreFresh() {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            int p = awaitPrimary(f, -1);
            for (int i = 0; i < 3; i++) {
                if (i != p) {
                    awaitReplicaOf(f, i, p);
                }
            }
            for (int i = 0; i < 3; i++) {
                if (i != p) {
                    f.agents[i].abandon(); // their guards stop their servers; their last statuses stay as published
                }
            }
            await().atMost(SETTLE).until(() -> f.member(p).status().replicas().isEmpty());
            // before the fix the best "streaming" standby of the stale statuses was chosen, commits were stopped
            // and the switchover waited its whole timeout (SIGTERM did the same before fencing)
            assertThatThrownBy(() -> f.agents[p].switchover(Optional.empty(), Duration.ofSeconds(20)))
                    .isInstanceOfSatisfying(SwitchoverException.class,
                            e -> assertThat(e.reason()).isEqualTo(SwitchoverException.Reason.CONFLICT));
            assertThat(f.agents[p].isWritablePrimary()).as("commits were never stopped").isTrue();
        }
    }

    @Test
    void switchoversByHttpLeaseRequestPreferredHolderAndShutdownLoseNothingAndNeedNoRewind() throws Exception {
        Path token = tokenFile();
        try (AgentFixture f = new AgentFixture(3, b -> b.switchoverTokenFile(token))) {
            f.startAll();
            int p = awaitPrimary(f, -1);
            int q = (p + 1) % 3;
            int r = (p + 2) % 3;
            awaitReplicaOf(f, q, p);
            awaitReplicaOf(f, r, p);

            // 1. over HTTP to a named member, under load
            try (WriteProbe load = new WriteProbe(f.pg, f.member(p))) {
                await().atMost(SETTLE).until(() -> load.acksBy("pg-" + p).size() > 50);
                long asked = System.nanoTime();
                HttpResponse<String> answer = post(f, p, Optional.of(TOKEN), "{\"to\": \"pg-" + q + "\"}");
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(answer.body());
                assertThat(body.get("from").asText()).isEqualTo("pg-" + p);
                assertThat(body.get("to").asText()).isEqualTo("pg-" + q);
                assertThat(body.get("term").asLong()).isPositive();
                assertThat(body.get("elapsedMs").asLong()).isNotNegative();
                await().atMost(SETTLE).until(() -> !load.acksBy("pg-" + q).isEmpty());
                LOG.info("switchover pg-{} -> pg-{}: first acknowledged write on the target {} ms after the request",
                        p, q, (load.firstBy("pg-" + q).orElseThrow().ackedNanos() - asked) / 1_000_000);
                await().atMost(SETTLE).until(() -> load.acksBy("pg-" + q).size() > 20);
                load.close();
                assertNothingLost(f, load, p, q);
            }
            assertThat(f.primary()).contains(q);
            awaitReplicaOf(f, p, q);
            awaitReplicaOf(f, r, q);
            assertThat(f.agents[p].lastRejoin()).as("the old primary's rejoin").get()
                    .extracting(Rewind.Result::outcome).isEqualTo(Rewind.Outcome.NOT_DIVERGED);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(f.leaseAnnotations())
                    .containsEntry(ClusterView.SUCCESSOR, ""));

            // 2. by the Lease annotation, to the best member; acted on once and cleared
            Lease lease = f.lease();
            lease.getMetadata().getAnnotations().put(ClusterView.SWITCHOVER_REQUEST, "{\"to\": \"\", \"requestedBy\":"
                    + " \"test\", \"requestedAt\": \"" + Instant.now() + "\"}");
            f.admin.resource(lease).update();
            int s = await().atMost(SETTLE).pollInterval(Duration.ofMillis(20))
                    .until(() -> f.primary().orElse(-1), i -> i >= 0 && i != q);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(f.leaseAnnotations())
                    .containsEntry(ClusterView.SWITCHOVER_REQUEST, ""));
            awaitReplicaOf(f, q, s);
            assertThat(f.agents[q].lastRejoin()).get().extracting(Rewind.Result::outcome)
                    .isEqualTo(Rewind.Outcome.NOT_DIVERGED);

            // 3. spec.preferredHolder set by someone else ends the term in favour of that member
            int t = 3 - s - q;
            awaitReplicaOf(f, t, s);
            Lease held = f.lease();
            held.getSpec().setPreferredHolder("pg-" + t);
            f.admin.resource(held).update();
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(() -> f.primary().orElse(-1) == t);
            awaitReplicaOf(f, s, t);

            // 4. SIGTERM's path: the primary's agent hands over to the best standby, then stops
            awaitReplicaOf(f, q, t);
            f.agents[t].shutdown();
            int u = awaitPrimary(f, t);
            assertThat(f.member(t).isRunning()).as("the old primary's PostgreSQL after shutdown").isFalse();
            Lease after = f.lease();
            assertThat(after.getSpec().getHolderIdentity()).isEqualTo("pg-" + u);

            // 5. a standby's agent told to shut down stops its PostgreSQL
            int v = 3 - t - u;
            awaitReplicaOf(f, v, u);
            f.agents[v].shutdown();
            assertThat(f.member(v).isRunning()).as("the standby's PostgreSQL after shutdown").isFalse();
            assertThat(f.primary()).contains(u);
            LOG.info("switchovers: pg-{} -> pg-{} (HTTP), -> pg-{} (Lease request), -> pg-{} (preferredHolder),"
                    + " -> pg-{} (shutdown)", p, q, s, t, u);
        }
    }

    @Test
    void switchoverAnswersEachRefusalWithItsCodeAndATimedOutOneKeepsThePrimary() throws Exception {
        Path token = tokenFile();
        try (AgentFixture f = new AgentFixture(3, b -> b.switchoverTokenFile(token)
                .switchoverTimeout(Duration.ofMillis(1)))) {
            f.start(0);
            await().atMost(SETTLE).until(() -> f.primary().orElse(-1) == 0);
            f.start(1);
            f.agents[2] = Agent.start(f.config(2).switchoverTokenFile(null).noFailover(true).build());
            awaitReplicaOf(f, 1, 0);
            awaitReplicaOf(f, 2, 0);

            assertThat(post(f, 2, Optional.of(TOKEN), "{}").statusCode()).as("not enabled").isEqualTo(404);
            assertThat(JSON.readTree(post(f, 2, Optional.of(TOKEN), "{}").body()).get("error").asText())
                    .isEqualTo("switchover is not enabled");
            assertThat(post(f, 0, Optional.empty(), "{}").statusCode()).as("no token").isEqualTo(401);
            assertThat(post(f, 0, Optional.of("wrong"), "{}").statusCode()).as("wrong token").isEqualTo(403);
            for (String bad : new String[] {"{", "[]", "{\"to\": 5}", "{\"to\": \"pg-1\", \"x\": 1}"}) {
                assertThat(post(f, 0, Optional.of(TOKEN), bad).statusCode()).as("body %s", bad).isEqualTo(400);
            }
            HttpResponse<String> unknown = post(f, 0, Optional.of(TOKEN), "{\"to\": \"pg-9\"}");
            assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
            HttpResponse<String> tagged = post(f, 0, Optional.of(TOKEN), "{\"to\": \"pg-2\"}");
            assertThat(tagged.statusCode()).as(tagged.body()).isEqualTo(409);
            assertThat(JSON.readTree(tagged.body()).get("error").asText()).contains("nofailover");
            HttpResponse<String> onReplica = post(f, 1, Optional.of(TOKEN), "{\"to\": null}");
            assertThat(onReplica.statusCode()).as(onReplica.body()).isEqualTo(409);
            assertThat(JSON.readTree(onReplica.body()).get("primary").asText()).isEqualTo("pg-0");
            assertThat(f.send(0, "/switchover", "GET").statusCode()).isEqualTo(405);
            long term = f.agents[0].leadership().orElseThrow().term();

            // 1 ms is too short for the target to receive the final position: 504, and pg-0 stays the primary
            HttpResponse<String> late = post(f, 0, Optional.of(TOKEN), "");
            assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
            assertThat(JSON.readTree(late.body()).get("primary").asText()).isEqualTo("pg-0");
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(() -> f.primary().orElse(-1) == 0
                    && f.member(0).status().state() == PostgresStatus.State.PRIMARY);
            assertThat(f.agents[0].leadership().orElseThrow().term()).as("same term").isEqualTo(term);
            assertThatThrownBy(() -> f.agents[1].switchover(Optional.empty(), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(SwitchoverException.class, e -> assertThat(e.reason())
                            .isEqualTo(SwitchoverException.Reason.CONFLICT));
        }
    }
}
