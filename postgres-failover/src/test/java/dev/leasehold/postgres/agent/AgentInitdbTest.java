package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.testing.PostgresCluster;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Bootstrap of an empty cluster by the agents themselves: no Lease, no data anywhere. The first holder runs initdb
 * and becomes the primary; the others clone from it and stream; the Lease records the cluster's system identifier;
 * a member with another cluster's data refuses to join.
 */
class AgentInitdbTest {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Test
    void threeEmptyMembersWithoutALeaseMakeOneClusterTheFirstHolderInitdbsTheOthersCloneAndStream() throws Exception {
        try (AgentFixture f = AgentFixture.withoutData(3)) {
            // a member without data gets one by pg_basebackup from the primary, over the network, or (Maven's
            // binaries) by a copy under the low-level backup API: the fixture's agents know each other's data dirs
            assertThat(f.lease()).isNull();
            List<String> promotions = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 3; i++) {
                String member = "pg-" + i;
                f.agents[i] = Agent.start(f.config(i).build(), new AgentListener() {
                    @Override
                    public void onPromoted(long term, String reason) {
                        promotions.add(member + ":" + reason);
                    }
                });
            }
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            for (int i = 0; i < 3; i++) {
                if (i != p) {
                    awaitStreamingFrom(f, i, p);
                }
            }
            String id = Long.toUnsignedString(f.member(p).systemIdentifier());
            assertThat(f.leaseAnnotations()).containsEntry(ClusterView.SYSTEM_ID, id);
            for (int i = 0; i < 3; i++) {
                assertThat(Long.toUnsignedString(f.member(i).systemIdentifier())).as("pg-%d's cluster", i)
                        .isEqualTo(id);
            }
            assertThat(promotions).as("exactly one member made the cluster").containsExactly("pg-" + p + ":bootstrap");
            assertThat(f.leaseAnnotations().get(AgentHistory.ANNOTATION)).contains("\"member\":\"pg-" + p + "\"",
                    "\"reason\":\"bootstrap\"");

            f.member(p).execute("CREATE TABLE t (v text)");
            f.member(p).execute("INSERT INTO t VALUES ('written on the bootstrapped primary')");
            for (int i = 0; i < 3; i++) {
                if (i != p) {
                    PostgresInstance replica = f.member(i);
                    await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                            assertThat(values(replica)).as("%s", replica.name())
                                    .containsExactly("written on the bootstrapped primary"));
                }
            }
            try (var left = Files.list(f.pg.baseDir())) {
                assertThat(left.map(x -> x.getFileName().toString())).noneMatch(n -> n.contains("leasehold-initdb"));
            }
        }
    }

    @Test
    void oneEmptyMemberBootstrapsAndAMemberWithAnotherClustersDataRefusesToJoinAndKeepsIt() throws Exception {
        try (AgentFixture f = AgentFixture.withoutData(2)) {
            f.start(0);
            AgentFailoverTest.awaitPrimary(f, -1);
            String id = Long.toUnsignedString(f.member(0).systemIdentifier());
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(f.leaseAnnotations()).containsEntry(ClusterView.SYSTEM_ID, id));
            f.member(0).execute("CREATE TABLE t (v text)");
            assertThat(f.member(0).checkWrite().timeline()).isEqualTo(1);
            assertThat(f.label(0)).isEqualTo("primary");

            // pg-1's data directory is another cluster's (made on its own, as a mistaken volume would hold)
            PostgresInstance foreign = f.member(1);
            String other = Long.toUnsignedString(foreign.initdb(PostgresCluster.bootstrapSettings(),
                    Duration.ofSeconds(60)).systemIdentifier());
            assertThat(other).isNotEqualTo(id);
            f.start(1);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Decision d = f.agents[1].lastDecision().orElseThrow(() -> new AssertionError(
                        "no decision yet"));
                assertThat(d.step()).as(d.reason()).isEqualTo(Step.REFUSE);
                assertThat(d.reason()).contains("belongs to cluster " + other, "records cluster " + id,
                        "refusing to join");
            });
            Thread.sleep(2_000); // it stays refused: no clone over its data, no start, no takeover
            assertThat(f.agents[1].lastDecision().orElseThrow().step()).isEqualTo(Step.REFUSE);
            assertThat(Long.toUnsignedString(foreign.systemIdentifier())).isEqualTo(other);
            assertThat(foreign.isRunning()).isFalse();
            assertThat(f.primary()).contains(0);
            assertThat(f.leaseAnnotations()).containsEntry(ClusterView.SYSTEM_ID, id);
        }
    }

    private static void awaitStreamingFrom(AgentFixture f, int i, int primary) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            MemberStatus s = f.agents[i].ownStatus().orElseThrow();
            assertThat(s.role()).as("pg-%d", i).isEqualTo(MemberStatus.Role.REPLICA);
            assertThat(s.upstream()).as("pg-%d's upstream", i).contains("pg-" + primary);
        });
    }

    private static List<String> values(PostgresInstance pg) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT v FROM t")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (dev.leasehold.postgres.PostgresException | java.sql.SQLException e) {
            return List.of("(not yet: " + e.getMessage() + ")");
        }
    }
}
