package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.cli.Leaseholdctl;
import dev.leasehold.postgres.PostgresInstance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code leaseholdctl} reading what real agents on real PostgreSQL servers publish (the agent tests' fixture:
 * three members on fabric8's mock API server): {@code list} after the bootstrap, {@code history} after a crash of
 * the primary. (In this package to reach the fixture.)
 */
class CliOnRealAgentsTest {
    private static final Logger LOG = LoggerFactory.getLogger(CliOnRealAgentsTest.class);

    /** What one in-process run of {@code leaseholdctl} returned and printed. */
    private record Run(int exit, String out, String err) {
    }

    private static Run invoke(AgentFixture f, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Leaseholdctl.run(f.api::client, new PrintWriter(out), new PrintWriter(err), args);
        LOG.info("leaseholdctl {} (exit {})\n{}{}", String.join(" ", args), exit, out, err);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String run(AgentFixture f, String... args) {
        Run r = invoke(f, args);
        assertThat(r.exit()).as("exit of %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    private static String row(String out, String member) {
        return out.lines().filter(l -> l.startsWith(member + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + member + " in\n" + out));
    }

    @Test
    void listAndHistoryShowWhatTheAgentsPublishThroughABootstrapAndAFailover() {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            long term = f.agents[p].leadership().orElseThrow().term();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String out = run(f, "list", "--namespace", AgentFixture.NS, "--cluster", AgentFixture.CLUSTER);
                assertThat(row(out, "pg-" + p).split("\\s+")).startsWith("pg-" + p, "primary", Long.toString(term))
                        .contains("*", "leasehold.dev/role=primary");
                for (int i = 0; i < 3; i++) {
                    if (i != p) {
                        assertThat(row(out, "pg-" + i).split("\\s+")).startsWith("pg-" + i, "replica", "-")
                                .contains("true", "leasehold.dev/role=replica").doesNotContain("*");
                    }
                }
            });
            // the history travels with the primary's renews: wait for the first one after the promotion
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    run(f, "history", "--namespace", AgentFixture.NS, "--cluster", AgentFixture.CLUSTER))
                    .contains("bootstrap"));
            f.agents[p].abandon();
            f.pg.kill9(p);
            int q = AgentFailoverTest.awaitPrimary(f, p);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String out = run(f, "history", "--namespace", AgentFixture.NS, "--cluster", AgentFixture.CLUSTER);
                assertThat(out.lines().skip(1).map(l -> l.split("\\s+")))
                        .satisfiesExactly(
                                first -> assertThat(first).startsWith(Long.toString(term), "pg-" + p)
                                        .endsWith("bootstrap"),
                                second -> assertThat(second).contains("pg-" + q).endsWith("failover"));
            });
            run(f, "list", "--namespace", AgentFixture.NS, "--cluster", AgentFixture.CLUSTER);
        }
    }

    /** {@code command} on the fixture's cluster, then {@code extra}. */
    private static String[] on(String command, String... extra) {
        return Stream.concat(Stream.of(command, "--namespace", AgentFixture.NS, "--cluster", AgentFixture.CLUSTER),
                Stream.of(extra)).toArray(String[]::new);
    }

    /**
     * After a switchover from {@code from} to {@code to}: the Lease names {@code to}, which is the one writable
     * primary (a write there succeeds), {@code from} streams from it and has that write, every other member follows
     * it, and the request is cleared and not acted on again.
     */
    private static void assertHandedOver(AgentFixture f, int from, int to, String row) throws Exception {
        assertThat(f.lease().getSpec().getHolderIdentity()).as("the Lease's holder").isEqualTo("pg-" + to);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(f.primary()).contains(to));
        f.member(to).execute("CREATE TABLE IF NOT EXISTS cli_switchover (note text PRIMARY KEY)");
        f.member(to).execute("INSERT INTO cli_switchover VALUES ('" + row + "')");
        f.member(from).awaitStreaming(f.member(to), Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rows(f.member(from)))
                .as("rows on the old primary pg-%d, now a replica of pg-%d", from, to).contains(row));
        for (int i = 0; i < f.agents.length; i++) {
            if (i != to) {
                AgentFailoverTest.awaitReplicaOf(f, i, to);
            }
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(f.leaseAnnotations())
                .as("the request after the new primary's renews").containsEntry(ClusterView.SWITCHOVER_REQUEST, ""));
        // acted on once: through several renews (retry period 1 s) the new primary keeps its term
        long term = f.agents[to].leadership().orElseThrow().term();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(f.primary()).contains(to);
            assertThat(f.agents[to].leadership().map(l -> l.term())).as("term of pg-%d", to).contains(term);
        });
    }

    private static List<String> rows(PostgresInstance member) throws Exception {
        List<String> notes = new ArrayList<>();
        try (Connection c = member.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT note FROM cli_switchover")) {
            while (r.next()) {
                notes.add(r.getString(1));
            }
        }
        return notes;
    }

    @Test
    void switchoverByTheCliIsCarriedOutByTheRealAgentsToANamedMemberAndToTheBestOne() throws Exception {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            int q = (p + 1) % 3;
            AgentFailoverTest.awaitReplicaOf(f, q, p);
            AgentFailoverTest.awaitReplicaOf(f, (p + 2) % 3, p);
            long term = f.agents[p].leadership().orElseThrow().term();

            // 1. to a named replica
            Run named = invoke(f, on("switchover", "--to", "pg-" + q));
            assertThat(named.exit()).as("exit; stderr: %s", named.err()).isZero();
            assertThat(named.out()).startsWith("switchover done: pg-" + p + " -> pg-" + q + " (term ");
            assertHandedOver(f, p, q, "after the switchover to pg-" + q);
            assertThat(f.agents[q].leadership().orElseThrow().term()).as("the new term").isGreaterThan(term);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(run(f, on("history")).lines()
                    .reduce((a, b) -> b).orElseThrow().split("\\s+")).contains("pg-" + q).endsWith("switchover"));

            // 2. to a member the cluster does not have: refused before anything is written
            Map<String, String> before = f.leaseAnnotations();
            Run unknown = invoke(f, on("switchover", "--to", "pg-9"));
            assertThat(unknown.exit()).as("exit of a switchover to pg-9").isEqualTo(1);
            assertThat(unknown.out()).isEmpty();
            assertThat(unknown.err()).contains("unknown member \"pg-9\" in cluster " + AgentFixture.CLUSTER)
                    .contains("pg-0, pg-1, pg-2");
            assertThat(f.leaseAnnotations().get(ClusterView.SWITCHOVER_REQUEST))
                    .isEqualTo(before.get(ClusterView.SWITCHOVER_REQUEST));
            assertThat(f.primary()).contains(q);

            // 3. with no target: the primary's agent picks the best replica
            Run best = invoke(f, on("switchover"));
            assertThat(best.exit()).as("exit; stderr: %s", best.err()).isZero();
            String holder = f.lease().getSpec().getHolderIdentity();
            assertThat(holder).isIn("pg-" + p, "pg-" + (p + 2) % 3);
            assertThat(best.out()).startsWith("switchover done: pg-" + q + " -> " + holder + " (term ");
            assertHandedOver(f, q, Integer.parseInt(holder.substring(3)), "after the switchover to the best");
        }
    }

    /**
     * Bug: {@code leaseholdctl switchover --to} a member the primary's agent refuses (here tagged nofailover) wrote
     * the request, waited the whole {@code --wait} and then blamed the agent ("is the primary's agent running?"),
     * while the agent had refused it at once for a reason the member publishes itself.
     */
    @Test
    void switchoverToAMemberTaggedNofailoverIsRefusedAtOnceWithTheReason() {
        try (AgentFixture f = new AgentFixture(3)) {
            f.start(0);
            f.start(1);
            f.agents[2] = Agent.start(f.config(2).noFailover(true).build());
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            AgentFailoverTest.awaitReplicaOf(f, 1 - p, p);
            AgentFailoverTest.awaitReplicaOf(f, 2, p);
            String version = f.lease().getMetadata().getResourceVersion();
            Run tagged = invoke(f, on("switchover", "--to", "pg-2", "--wait", "10s"));
            assertThat(tagged.exit()).as("exit; stderr: %s", tagged.err()).isEqualTo(1);
            assertThat(tagged.err()).contains("pg-2 cannot take over: it is tagged nofailover");
            assertThat(f.leaseAnnotations().getOrDefault(ClusterView.SWITCHOVER_REQUEST, ""))
                    .as("the request on the Lease (version before: %s)", version).isEmpty();
            assertThat(f.primary()).contains(p);
        }
    }
}
