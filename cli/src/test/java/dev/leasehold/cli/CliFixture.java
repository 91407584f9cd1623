package dev.leasehold.cli;

import dev.leasehold.lock.support.MockApi;
import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.AgentHistory;
import dev.leasehold.postgres.agent.MemberStatus;
import dev.leasehold.postgres.agent.StatusCodec;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A cluster "pg" in namespace "test" as the agents write it, on fabric8's mock API server in CRUD mode: the Lease held by pg-0
 * (term 3, timeline 2, position, history) and three member pods whose statuses come from the agent's own
 * {@link StatusCodec}, so the format read here is the one the agent writes.
 */
final class CliFixture implements AutoCloseable {
    static final String NS = "test"; // the mock server's clients default to it, as a kubeconfig context would
    static final Instant AT = Instant.parse("2026-11-30T05:00:00Z");

    final MockApi api = new MockApi();
    final KubernetesClient admin = api.client();

    /** What one run printed and returned. */
    record Run(int exit, String out, String err) {
    }

    CliFixture() {
        admin.resources(Lease.class).inNamespace(NS).resource(new LeaseBuilder().withNewMetadata().withName("pg")
                .withNamespace(NS).addToAnnotations(Map.of("leasehold.dev/timeline", "2",
                        "leasehold.dev/position", "0/3000100", "leasehold.dev/system-id", "7441000000000000001",
                        AgentHistory.ANNOTATION, AgentHistory.write(List.of(
                                new AgentHistory.Entry(1, "pg-1", 1, "0/1000000", AT, "bootstrap"),
                                new AgentHistory.Entry(3, "pg-0", 2, "0/3000060", AT.plusSeconds(90), "failover")))))
                .endMetadata().withNewSpec().withHolderIdentity("pg-0").withLeaseDurationSeconds(10)
                .withLeaseTransitions(3).withAcquireTime(ZonedDateTime.ofInstant(AT, ZoneOffset.UTC))
                .withRenewTime(ZonedDateTime.ofInstant(AT, ZoneOffset.UTC)).endSpec().build()).create();
        pod("pg-0", "primary", StatusCodec.write(status("pg-0", MemberStatus.Role.PRIMARY, "0/3000100", null)));
        pod("pg-1", "replica", StatusCodec.write(status("pg-1", MemberStatus.Role.REPLICA, "0/3000000", "pg-0")));
    }

    static MemberStatus status(String name, MemberStatus.Role role, String position, String upstream) {
        return new MemberStatus(name, role, true, 2, Optional.of(Lsn.parse(position)), Optional.ofNullable(upstream),
                false, 0, name + ".pg", 5432, Optional.of("7441000000000000001"), 12, "0.1.0", AT);
    }

    void pod(String name, String role, String status) {
        var b = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels(Cluster.CLUSTER_LABEL, "pg").addToLabels("leasehold.dev/role", role);
        if (status != null) {
            b = b.addToAnnotations(StatusCodec.ANNOTATION, status);
        }
        admin.pods().inNamespace(NS).resource(b.endMetadata().withNewSpec().addNewContainer().withName("postgres")
                .withImage("postgres:15").endContainer().endSpec().build()).create();
    }

    Lease lease() {
        return admin.resources(Lease.class).inNamespace(NS).withName("pg").get();
    }

    void editLease(java.util.function.UnaryOperator<Lease> edit) {
        admin.resources(Lease.class).inNamespace(NS).withName("pg").edit(edit);
    }

    Run run(String... args) {
        return run(api::client, args);
    }

    static Run run(Supplier<KubernetesClient> clients, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Leaseholdctl.run(clients, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Override
    public void close() {
        api.close();
    }
}
