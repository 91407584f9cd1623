package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The history annotation's codec: round trip, the cap, garbage tolerated and named, the reason rules. */
class AgentHistoryTest {
    private static final Instant AT = Instant.parse("2026-11-30T05:00:00Z");

    @Test
    void writesAndReadsBackEntriesOldestFirst() {
        List<AgentHistory.Entry> h = List.of(new AgentHistory.Entry(1, "pg-0", 1, "0/3000060", AT, "bootstrap"),
                new AgentHistory.Entry(4, "pg-1", 2, "0/4000000", AT.plusSeconds(60), "failover"));
        String text = AgentHistory.write(h);
        assertThat(text).startsWith("[{\"term\":1,\"member\":\"pg-0\",\"timeline\":1,\"position\":\"0/3000060\","
                + "\"at\":\"2026-11-30T05:00:00Z\",\"reason\":\"bootstrap\"}");
        AgentHistory.Read read = AgentHistory.read(text);
        assertThat(read.entries()).isEqualTo(h);
        assertThat(read.problem()).isEmpty();
    }

    @Test
    void keepsTheNewestTwentyEntries() {
        List<AgentHistory.Entry> h = new ArrayList<>();
        for (int i = 1; i <= 25; i++) {
            h = AgentHistory.append(h, new AgentHistory.Entry(i, "pg-" + (i % 3), i, "0/1", AT, "failover"));
        }
        assertThat(h).hasSize(AgentHistory.MAX_ENTRIES);
        assertThat(h.get(0).term()).isEqualTo(6);
        assertThat(h.get(19).term()).isEqualTo(25);
    }

    @Test
    void garbageIsReportedWithTheValueAndReadAsEmptyOrWithoutTheBadEntries() {
        assertThat(AgentHistory.read(null).entries()).isEmpty();
        assertThat(AgentHistory.read("").problem()).isEmpty();
        AgentHistory.Read notJson = AgentHistory.read("{oops");
        assertThat(notJson.entries()).isEmpty();
        assertThat(notJson.problem()).hasValueSatisfying(p -> assertThat(p).contains("not JSON", "{oops"));
        assertThat(AgentHistory.read("{\"a\":1}").problem())
                .hasValueSatisfying(p -> assertThat(p).contains("not a JSON array"));
        AgentHistory.Read mixed = AgentHistory.read("[{\"term\":2,\"member\":\"pg-0\",\"timeline\":1,"
                + "\"position\":\"0/1\",\"at\":\"2026-11-30T05:00:00Z\",\"reason\":\"bootstrap\"},"
                + "{\"term\":\"x\"},{\"term\":3,\"member\":\"pg-1\",\"timeline\":2,\"at\":\"yesterday\","
                + "\"reason\":\"failover\"}]");
        assertThat(mixed.entries()).extracting(AgentHistory.Entry::member).containsExactly("pg-0");
        assertThat(mixed.problem()).hasValueSatisfying(p -> assertThat(p)
                .contains("entry 1: field term = \"x\"", "entry 2: field at = \"yesterday\""));
    }

    @Test
    void reasonIsBootstrapForTheFirstPrimarySwitchoverWhileRequestedElseFailover() {
        var one = List.of(new AgentHistory.Entry(1, "pg-0", 1, "0/1", AT, "bootstrap"));
        assertThat(AgentHistory.reason(List.of(), Optional.empty(), null, null, "pg-0")).isEqualTo("bootstrap");
        assertThat(AgentHistory.reason(List.of(), Optional.of("pg-0"), null, null, "pg-0")).isEqualTo("bootstrap");
        assertThat(AgentHistory.reason(List.of(), Optional.of("pg-2"), "", null, "pg-0")).isEqualTo("failover");
        assertThat(AgentHistory.reason(one, Optional.empty(), null, null, "pg-1")).isEqualTo("failover");
        assertThat(AgentHistory.reason(one, Optional.empty(), "{\"to\":\"pg-1\"}", null, "pg-1")).isEqualTo("switchover");
        assertThat(AgentHistory.reason(one, Optional.empty(), "{\"to\":\"\"}", null, "pg-2")).isEqualTo("switchover");
        assertThat(AgentHistory.reason(one, Optional.empty(), "{\"to\":\"pg-2\"}", null, "pg-1")).isEqualTo("failover");
        assertThat(AgentHistory.reason(one, Optional.empty(), "garbage", null, "pg-1")).isEqualTo("failover");
        // a release naming this member as successor (the switchover's own carrier) is a switchover
        assertThat(AgentHistory.reason(one, Optional.of("pg-1"), "", "pg-2", "pg-2")).isEqualTo("switchover");
        assertThat(AgentHistory.reason(one, Optional.of("pg-1"), "", "pg-0", "pg-2")).isEqualTo("failover");
    }
}
