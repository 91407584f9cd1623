package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Three agents on a harness cluster: one primary, two streaming standbys; labels, endpoints and Lease agree. */
class AgentBootstrapTest {

    @Test
    void threeMembersSettleOnOneWritablePrimaryAndTwoStreamingStandbysThatEverythingAgreesOn() {
        try (AgentFixture f = new AgentFixture(3)) {
            f.startAll();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                int p = f.primary().orElseThrow(() -> new AssertionError("no primary yet"));
                String primary = "pg-" + p;
                for (int i = 0; i < 3; i++) {
                    if (i == p) {
                        continue;
                    }
                    MemberStatus s = f.agents[i].ownStatus().orElseThrow();
                    assertThat(s.role()).as("pg-%d", i).isEqualTo(Role.REPLICA);
                    assertThat(s.upstream()).as("pg-%d streams from the primary", i).contains(primary);
                    assertThat(f.label(i)).as("label of pg-%d", i).isEqualTo("replica");
                    assertThat(f.get(i, "/primary").statusCode()).isEqualTo(503);
                    assertThat(f.get(i, "/replica").statusCode()).isEqualTo(200);
                }
                assertThat(f.label(p)).isEqualTo("primary");
                assertThat(f.get(p, "/primary").statusCode()).isEqualTo(200);
                assertThat(f.get(p, "/replica").statusCode()).isEqualTo(503);
                assertThat(f.lease().getSpec().getHolderIdentity()).isEqualTo(primary);
                Map<String, String> a = f.leaseAnnotations();
                assertThat(a).containsKeys(ClusterView.POSITION, ClusterView.TIMELINE);
                assertThat(a.get(ClusterView.SYSTEM_ID)).isEqualTo(
                        Long.toUnsignedString(f.member(p).systemIdentifier()));
                assertThat(f.get(p, "/status").body()).contains("\"member\":\"" + primary + "\"",
                        "\"role\":\"primary\"", "\"writablePrimary\":true", "\"leader\":\"" + primary + "\"");
                for (int i = 0; i < 3; i++) {
                    assertThat(f.get(i, "/health").statusCode()).isEqualTo(200);
                    assertThat(f.get(i, "/liveness").statusCode()).isEqualTo(200);
                    assertThat(f.get(i, "/readiness").statusCode()).isEqualTo(200);
                }
            });
            // the endpoints answer bad requests with a reason, not a stack trace
            assertThat(f.get(0, "/nope").statusCode()).isEqualTo(404);
            assertThat(f.send(0, "/primary", "POST").statusCode()).isEqualTo(405);
            assertThat(f.get(0, "/replica?lag=x").statusCode()).isEqualTo(400);
            assertThat(f.get(0, "/replica?lag=x").body()).contains("lag=x is not a byte count").doesNotContain("Exception");
        }
    }
}
