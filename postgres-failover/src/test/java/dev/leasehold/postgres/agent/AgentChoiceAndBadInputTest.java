package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.agent.Decision.Step;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Who may become primary, and what bad input from others does (nothing but a log line). */
class AgentChoiceAndBadInputTest {

    @Test
    void aNofailoverMemberIsNeverPromotedNotAtBootstrapAndNotAfterACrash() throws Exception {
        try (AgentFixture f = new AgentFixture(3, b -> b)) {
            f.agents[1] = Agent.start(f.config(1).noFailover(true).build());
            f.start(0);
            f.start(2);
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            assertThat(p).isNotEqualTo(1);
            AgentFailoverTest.awaitReplicaOf(f, 1, p);
            f.agents[p].abandon();
            f.pg.kill9(p);
            int q = AgentFailoverTest.awaitPrimary(f, p);
            assertThat(q).as("the member tagged nofailover").isNotEqualTo(1);
            assertThat(f.agents[1].lastDecision().orElseThrow().reason()).contains("nofailover");
        }
    }

    @Test
    void aGarbageStatusOnAnotherPodIsIgnoredAndTheClusterStillElects() {
        try (AgentFixture f = new AgentFixture(3)) {
            f.admin.pods().inNamespace(AgentFixture.NS).resource(new PodBuilder().withNewMetadata().withName("pg-9")
                    .withNamespace(AgentFixture.NS).addToLabels(ClusterView.CLUSTER_LABEL, AgentFixture.CLUSTER)
                    .addToAnnotations(StatusCodec.ANNOTATION, "{\"name\":\"pg-9\",\"role\":\"boss\"}").endMetadata()
                    .withNewSpec().addNewContainer().withName("postgres").withImage("postgres:15").endContainer()
                    .endSpec().build()).create();
            f.startAll();
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            for (int i = 0; i < 3; i++) {
                if (i != p) {
                    AgentFailoverTest.awaitReplicaOf(f, i, p);
                }
            }
            for (int i = 0; i < 3; i++) { // every agent reads the other two, whichever published last
                int member = i;
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(f.agents[member].members()).doesNotContainKey("pg-9").hasSize(2));
            }
            assertThat(f.get(p, "/status").body()).doesNotContain("pg-9");
        }
    }

    @Test
    void membersWhoseDataBelongsToAnotherClusterRefuseToJoinAndKeepTheirData() throws Exception {
        try (AgentFixture f = new AgentFixture(3)) {
            f.admin.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                    .inNamespace(AgentFixture.NS).resource(new LeaseBuilder().withNewMetadata()
                            .withName(AgentFixture.CLUSTER).withNamespace(AgentFixture.NS)
                            .addToAnnotations(ClusterView.SYSTEM_ID, "1234").endMetadata().withNewSpec()
                            .endSpec().build()).create();
            f.startAll();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                for (int i = 0; i < 3; i++) {
                    Decision d = f.agents[i].lastDecision().orElseThrow(() -> new AssertionError(
                            "no decision yet"));
                    assertThat(d.step()).as("pg-%d: %s", i, d.reason()).isEqualTo(Step.REFUSE);
                    assertThat(d.reason()).contains("belongs to cluster", "records cluster 1234");
                }
            });
            Thread.sleep(AgentFixture.LEASE.toMillis() + 1_000);
            assertThat(f.primary()).isEmpty();
            assertThat(f.lease().getSpec().getHolderIdentity()).isNullOrEmpty();
            for (int i = 0; i < 3; i++) {
                assertThat(Files.exists(f.member(i).config().dataDir().orElseThrow().resolve("PG_VERSION"))).isTrue();
                assertThat(f.agents[i].lastDecision().orElseThrow().step()).isEqualTo(Step.REFUSE);
            }
        }
    }

    @Test
    void aMemberWhoseDataWasWipedIsClonedFromThePrimaryAndStreams() throws Exception {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            int r = (p + 1) % 3;
            f.agents[r].abandon();
            f.member(r).fence(Duration.ofSeconds(5));
            java.nio.file.Path data = f.member(r).config().dataDir().orElseThrow();
            try (var files = Files.list(data)) {
                for (var file : files.toList()) {
                    String name = file.getFileName().toString();
                    if (!name.equals("postgresql.conf") && !name.equals("pg_hba.conf") && !name.equals("pg_ident.conf")) {
                        dev.leasehold.postgres.Cloner.deleteTree(file);
                    }
                }
            }
            assertThat(f.member(r).hasData()).isFalse();
            f.start(r);
            AgentFailoverTest.awaitReplicaOf(f, r, p);
            assertThat(f.agents[r].ownStatus().orElseThrow().systemId()).contains(
                    Long.toUnsignedString(f.member(p).systemIdentifier()));
        }
    }
}
