package dev.leasehold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leasehold.postgres.agent.AgentHistory;
import org.junit.jupiter.api.Test;

/** {@code list} and {@code history} against a cluster written as the agents write it. */
class ListAndHistoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listShowsEveryMemberWithRoleTermTimelineLagHealthLeaderAndLabels() {
        try (CliFixture f = new CliFixture()) {
            f.pod("pg-2", "replica", "{\"name\":\"pg-2\",\"role\":\"sideways\"}");
            f.pod("pg-3", "replica", null);
            CliFixture.Run r = f.run("list", "--cluster", "pg");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("Cluster: pg (namespace test)  leader: pg-0  term: 3  published: "
                    + "timeline 2 at 0/3000100");
            assertThat(row(r.out(), "pg-0")).containsExactly("pg-0", "primary", "3", "2", "0", "true", "*", "AGE",
                    "leasehold.dev/role=primary");
            // published 0/3000100 - replica at 0/3000000 = 0x100 bytes
            assertThat(row(r.out(), "pg-1")).containsExactly("pg-1", "replica", "-", "2", "256", "true", "AGE",
                    "leasehold.dev/role=replica");
            assertThat(r.out()).contains("note: pg-2: unreadable leasehold.dev/status: field role = \"sideways\"")
                    .contains("note: pg-3: no status published yet");
        }
    }

    /** A row's cells, the status age (seconds since the fixture's sample time, a number then "s") as AGE. */
    private static String[] row(String out, String member) {
        String[] cells = out.lines().filter(l -> l.startsWith(member + " ")).findFirst().orElseThrow().split("\\s+");
        for (int i = 0; i < cells.length; i++) {
            if (cells[i].matches("\\d+s")) {
                cells[i] = "AGE";
            }
        }
        return cells;
    }

    @Test
    void listAsJson() throws Exception {
        try (CliFixture f = new CliFixture()) {
            CliFixture.Run r = f.run("list", "-c", "pg", "-n", "test", "-o", "json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode n = JSON.readTree(r.out());
            assertThat(n.get("leader").asText()).isEqualTo("pg-0");
            assertThat(n.get("term").asLong()).isEqualTo(3);
            assertThat(n.get("members")).hasSize(2);
            JsonNode replica = n.get("members").get(1);
            assertThat(replica.get("member").asText()).isEqualTo("pg-1");
            assertThat(replica.get("lagBytes").asLong()).isEqualTo(256);
            assertThat(replica.get("upstream").asText()).isEqualTo("pg-0");
            assertThat(replica.get("leader").asBoolean()).isFalse();
            assertThat(replica.get("statusAgeSeconds").asLong()).isPositive();
        }
    }

    @Test
    void historyListsTheChangesOfPrimaryOldestFirst() throws Exception {
        try (CliFixture f = new CliFixture()) {
            CliFixture.Run r = f.run("history", "--cluster", "pg");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out().lines().toList()).containsExactly(
                    "TERM  MEMBER  TL  POSITION   AT                    REASON",
                    "1     pg-1    1   0/1000000  2026-11-30T05:00:00Z  bootstrap",
                    "3     pg-0    2   0/3000060  2026-11-30T05:01:30Z  failover");
            JsonNode n = JSON.readTree(f.run("history", "--cluster", "pg", "--output", "json").out());
            assertThat(n.get("entries")).hasSize(2);
            assertThat(n.get("entries").get(1).get("reason").asText()).isEqualTo("failover");
        }
    }

    @Test
    void garbageHistoryIsReportedWithItsValueAndTheReadableEntriesStillShown() {
        try (CliFixture f = new CliFixture()) {
            f.editLease(l -> {
                l.getMetadata().getAnnotations().put(AgentHistory.ANNOTATION, "[{\"term\":9,\"member\":\"pg-1\","
                        + "\"timeline\":3,\"at\":\"2026-11-30T05:09:00Z\",\"reason\":\"switchover\"},\"rubbish\"]");
                return l;
            });
            CliFixture.Run r = f.run("history", "--cluster", "pg");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("9     pg-1    3").contains("switchover");
            assertThat(r.err()).contains("warning: leasehold.dev/history: left out entry 1");
            f.editLease(l -> {
                l.getMetadata().getAnnotations().put(AgentHistory.ANNOTATION, "not json at all");
                return l;
            });
            r = f.run("history", "--cluster", "pg");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("no history recorded");
            assertThat(r.err()).contains("is not JSON: \"not json at all\"");
        }
    }

    @Test
    void noClusterIsNamedWithTheNamespace() {
        try (CliFixture f = new CliFixture()) {
            for (String command : new String[] {"list", "history", "switchover"}) {
                CliFixture.Run r = f.run(command, "--cluster", "nope", "--namespace", "other");
                assertThat(r.exit()).as(command).isEqualTo(1);
                assertThat(r.err()).as(command).contains("no cluster \"nope\" in namespace other: there is no Lease nope");
            }
        }
    }

    @Test
    void everyCommandHasHelpAndBadUsageSaysWhy() {
        try (CliFixture f = new CliFixture()) {
            assertThat(f.run("--help").out()).contains("Usage: leaseholdctl", "list", "switchover", "history");
            for (String command : new String[] {"list", "history", "switchover"}) {
                CliFixture.Run r = f.run(command, "--help");
                assertThat(r.exit()).isZero();
                assertThat(r.out()).contains("Usage: leaseholdctl " + command, "--cluster", "--namespace", "--output");
            }
            assertThat(f.run("switchover", "--help").out()).contains("--to", "--wait");
            CliFixture.Run missing = f.run("list");
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err()).contains("Missing required option: '--cluster=CLUSTER'");
            CliFixture.Run badWait = f.run("switchover", "-c", "pg", "--wait", "soon");
            assertThat(badWait.exit()).isEqualTo(2);
            assertThat(badWait.err()).contains("\"soon\" is not a duration");
        }
    }
}
