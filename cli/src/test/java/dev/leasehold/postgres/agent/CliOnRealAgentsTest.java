package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.cli.Leaseholdctl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
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

    private static String run(AgentFixture f, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Leaseholdctl.run(f.api::client, new PrintWriter(out), new PrintWriter(err), args);
        assertThat(exit).as("exit of %s: %s", String.join(" ", args), err).isZero();
        LOG.info("leaseholdctl {}\n{}", String.join(" ", args), out);
        return out.toString();
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
}
