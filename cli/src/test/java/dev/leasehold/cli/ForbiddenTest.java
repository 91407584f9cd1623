package dev.leasehold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.agent.MemberStatus;
import dev.leasehold.postgres.agent.StatusCodec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An API server that refuses (403, as RBAC answers): the CLI names the verb, the resource and the namespace. */
class ForbiddenTest {
    private final KubernetesMockServer server = new KubernetesMockServer(false);

    @BeforeEach
    void start() {
        server.init();
    }

    @AfterEach
    void stop() {
        server.destroy();
    }

    private static io.fabric8.kubernetes.api.model.Status forbidden(String message) {
        return new StatusBuilder().withApiVersion("v1").withKind("Status").withStatus("Failure").withCode(403)
                .withReason("Forbidden").withMessage(message).build();
    }

    @Test
    void aRefusedReadNamesTheVerbTheResourceAndTheNamespace() {
        server.expect().get().withPath("/apis/coordination.k8s.io/v1/namespaces/prod/leases/pg")
                .andReturn(403, forbidden("leases.coordination.k8s.io \"pg\" is forbidden: User \"alice\" cannot get "
                        + "resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"prod\""))
                .always();
        CliFixture.Run r = CliFixture.run(server::createClient, "list", "--cluster", "pg", "--namespace", "prod");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("permission denied: you may not get leases.coordination.k8s.io \"pg\" in "
                + "namespace prod (403; the server said: leases.coordination.k8s.io \"pg\" is forbidden: User "
                + "\"alice\" cannot get");
        assertThat(r.err()).doesNotContain("Exception");
    }

    @Test
    void aRefusedListOfPodsAndARefusedUpdateAreNamedToo() {
        server.expect().get().withPath("/apis/coordination.k8s.io/v1/namespaces/prod/leases/pg")
                .andReturn(200, new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata()
                        .withName("pg").withNamespace("prod").withResourceVersion("7").endMetadata().withNewSpec()
                        .withHolderIdentity("pg-0").endSpec().build()).always();
        server.expect().get().withPath("/api/v1/namespaces/prod/pods?labelSelector=leasehold.dev%2Fcluster%3Dpg")
                .andReturn(403, forbidden("pods is forbidden")).once();
        CliFixture.Run r = CliFixture.run(server::createClient, "list", "--cluster", "pg", "--namespace", "prod");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("permission denied: you may not list pods (label leasehold.dev/cluster=pg) in "
                + "namespace prod");

        // a replica that could take over, so that the switchover gets as far as writing the request
        server.expect().get().withPath("/api/v1/namespaces/prod/pods?labelSelector=leasehold.dev%2Fcluster%3Dpg")
                .andReturn(200, new io.fabric8.kubernetes.api.model.PodListBuilder().addNewItem().withNewMetadata()
                        .withName("pg-1").withNamespace("prod").addToLabels(Cluster.CLUSTER_LABEL, "pg")
                        .addToAnnotations(StatusCodec.ANNOTATION, StatusCodec.write(CliFixture.status("pg-1",
                                MemberStatus.Role.REPLICA, "0/3000000", "pg-0"))).endMetadata().endItem().build())
                .always();
        server.expect().put().withPath("/apis/coordination.k8s.io/v1/namespaces/prod/leases/pg")
                .andReturn(403, forbidden("leases.coordination.k8s.io \"pg\" is forbidden")).always();
        r = CliFixture.run(server::createClient, "switchover", "--cluster", "pg", "--namespace", "prod");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("permission denied: you may not update leases.coordination.k8s.io \"pg\" in "
                + "namespace prod");
    }
}
