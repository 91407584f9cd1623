package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Real servers, three agents with {@link AgentMetrics}: after the bootstrap and after a crash of the primary,
 * the history on the Lease and the scraped {@code /metrics} tell what happened.
 */
class AgentMetricsAndHistoryTest {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Test
    void historyAndMetricsFollowABootstrapAndAFailover() {
        try (AgentFixture f = new AgentFixture(3)) {
            AgentMetrics[] metrics = new AgentMetrics[3];
            for (int i = 0; i < 3; i++) {
                metrics[i] = AgentMetrics.prometheus();
                f.agents[i] = Agent.start(f.config(i).build(), metrics[i]);
                metrics[i].attach(f.agents[i]);
            }
            int p = AgentFailoverTest.awaitPrimary(f, -1);
            await().atMost(SETTLE).untilAsserted(() -> {
                List<AgentHistory.Entry> h = history(f);
                assertThat(h).hasSize(1);
                assertThat(h.get(0).member()).isEqualTo("pg-" + p);
                assertThat(h.get(0).reason()).isEqualTo("bootstrap");
                assertThat(h.get(0).term()).isEqualTo(f.agents[p].leadership().orElseThrow().term());
                assertThat(h.get(0).position()).matches("[0-9A-F]+/[0-9A-F]+");
            });
            int standby = (p + 1) % 3;
            await().atMost(SETTLE).untilAsserted(() -> {
                String primary = scrape(f, p);
                assertThat(value(primary, "leasehold_agent_role{role=\"primary\"}")).isEqualTo(1);
                assertThat(value(primary, "leasehold_agent_promotions_total{reason=\"bootstrap\"}")).isEqualTo(1);
                assertThat(value(primary, "leasehold_agent_timeline")).isEqualTo(
                        f.agents[p].ownStatus().orElseThrow().timeline());
                assertThat(value(primary, "leasehold_agent_wal_position{kind=\"current\"}")).isPositive();
                assertThat(value(primary, "leasehold_elector_leader{lock=\"Lease default/pg\"}")).isEqualTo(1);
                for (int i = 0; i < 3; i++) {
                    if (i != p) {
                        assertThat(primary).contains("leasehold_agent_replication_lag_bytes{standby=\"pg-" + i
                                + "\"}");
                    }
                }
                String replica = scrape(f, standby);
                assertThat(value(replica, "leasehold_agent_role{role=\"replica\"}")).isEqualTo(1);
                assertThat(value(replica, "leasehold_agent_wal_position{kind=\"replayed\"}")).isPositive();
                assertThat(value(replica, "leasehold_agent_wal_position{kind=\"received\"}")).isPositive();
                assertThat(value(replica, "leasehold_elector_leader{lock=\"Lease default/pg\"}")).isEqualTo(0);
                assertThat(value(replica, "leasehold_agent_promotions_total{reason=\"bootstrap\"}")).isEqualTo(0);
            });

            f.agents[p].abandon();
            f.pg.kill9(p);
            int q = AgentFailoverTest.awaitPrimary(f, p);
            await().atMost(SETTLE).untilAsserted(() -> {
                List<AgentHistory.Entry> h = history(f);
                assertThat(h).extracting(AgentHistory.Entry::member).containsExactly("pg-" + p, "pg-" + q);
                assertThat(h.get(1).reason()).isEqualTo("failover");
                assertThat(h.get(1).timeline()).isGreaterThan(h.get(0).timeline());
                assertThat(h.get(1).term()).isGreaterThan(h.get(0).term());
                String scraped = scrape(f, q);
                assertThat(value(scraped, "leasehold_agent_role{role=\"primary\"}")).isEqualTo(1);
                assertThat(value(scraped, "leasehold_agent_promotions_total{reason=\"failover\"}")).isEqualTo(1);
                assertThat(value(scraped, "leasehold_agent_timeline")).isEqualTo(h.get(1).timeline());
                assertThat(value(scraped, "leasehold_elector_transitions_total{lock=\"Lease default/pg\"}"))
                        .isEqualTo(1);
            });

            // the sample dashboard and alerts query only metrics these agents really export
            int r = 3 - p - q;
            await().atMost(SETTLE).untilAsserted(() -> {
                java.util.Set<String> exported = new java.util.TreeSet<>();
                exported.addAll(seriesNames(scrape(f, q)));
                exported.addAll(seriesNames(scrape(f, r)));
                for (String file : List.of("grafana-dashboard.json", "prometheusrule.yaml")) {
                    java.nio.file.Path path = java.nio.file.Path.of("..", "samples", "kubernetes", "monitoring", file);
                    assertThat(queried(java.nio.file.Files.readString(path)))
                            .as("metrics %s queries, against those exported: %s", path, exported)
                            .isNotEmpty().isSubsetOf(exported);
                }
            });
        }
    }

    /** The series names in a Prometheus text scrape (labels and values left out). */
    static java.util.Set<String> seriesNames(String scrape) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    /** The leasehold_* metric names a dashboard or rule file queries. */
    static java.util.Set<String> queried(String text) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("\\b(leasehold_[a-z0-9_]+)").matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static List<AgentHistory.Entry> history(AgentFixture f) {
        AgentHistory.Read read = AgentHistory.read(f.leaseAnnotations().get(AgentHistory.ANNOTATION));
        assertThat(read.problem()).isEmpty();
        return read.entries();
    }

    private static String scrape(AgentFixture f, int i) {
        var r = f.get(i, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        if (!m.find()) {
            throw new AssertionError("no series " + series + " in:\n" + scrape);
        }
        return Double.parseDouble(m.group(1));
    }
}
