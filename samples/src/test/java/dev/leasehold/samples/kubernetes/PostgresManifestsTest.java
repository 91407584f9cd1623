package dev.leasehold.samples.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.samples.pgdemo.PgDemoTest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL manifests under {@code samples/kubernetes/postgres/}, loaded with fabric8: the agent's Role
 * against the requests the demo's agent processes really sent to the mock API server (recorded, not listed by
 * hand), the Services against the labels the agent writes, the StatefulSet against the agent's settings.
 */
class PostgresManifestsTest {
    private static final Path DIR = Path.of("kubernetes", "postgres");
    private static final List<HasMetadata> ITEMS = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        try (KubernetesClient client = new KubernetesClientBuilder().build();
                Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    ITEMS.addAll(client.load(in).items());
                }
            }
        }
    }

    private static <T extends HasMetadata> T only(Class<T> type, String name) {
        List<T> found = ITEMS.stream().filter(type::isInstance).map(type::cast)
                .filter(i -> i.getMetadata().getName().equals(name)).toList();
        assertThat(found).as("%s %s in %s", type.getSimpleName(), name, DIR).hasSize(1);
        return found.get(0);
    }

    @Test
    void theAgentsRoleAllowsExactlyTheRequestsTheAgentsSent() {
        StatefulSet sts = only(StatefulSet.class, "pg");
        String account = sts.getSpec().getTemplate().getSpec().getServiceAccountName();
        RoleBinding binding = ITEMS.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filter(b -> b.getSubjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                        && s.getName().equals(account))).findFirst()
                .orElseThrow(() -> new AssertionError("no RoleBinding for ServiceAccount " + account));
        Role role = only(Role.class, binding.getRoleRef().getName());

        List<ApiAccess> sent = PgDemoTest.agentRequests().stream().map(ApiAccess::of).toList();
        System.out.println("requests the agents sent, by (group, resource, verb, name): " + ApiAccess.census(sent));
        Set<String> sentTriples = sent.stream().map(ApiAccess::triple).collect(Collectors.toCollection(TreeSet::new));
        Set<String> granted = ApiAccess.granted(role);
        assertThat(sentTriples).as("(group, resource, verb) sent").contains("coordination.k8s.io leases create",
                "coordination.k8s.io leases update", "core pods patch", "core events create");
        assertThat(granted).as("the Role's (group, resource, verb) against those the agents sent")
                .isEqualTo(sentTriples);
        for (ApiAccess access : sent) {
            assertThat(role.getRules()).as("a rule allowing %s", access).anyMatch(access::allowedBy);
        }
    }

    @Test
    void theServicesSelectTheRoleLabelTheAgentWritesAndTheStatefulSetIsConfiguredAsTheAgentReadsIt()
            throws IOException {
        StatefulSet sts = only(StatefulSet.class, "pg");
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        Service rw = only(Service.class, "pg-rw");
        Service ro = only(Service.class, "pg-ro");
        assertThat(rw.getSpec().getSelector()).containsEntry("leasehold.dev/role", "primary");
        assertThat(ro.getSpec().getSelector()).containsEntry("leasehold.dev/role", "replica");
        for (Service s : List.of(rw, ro)) {
            Map<String, String> rest = new TreeMap<>(s.getSpec().getSelector());
            rest.remove("leasehold.dev/role");
            assertThat(podLabels).containsAllEntriesOf(rest);
        }
        PodDisruptionBudget pdb = only(PodDisruptionBudget.class, "pg");
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

        Container pg = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> env = pg.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        String cluster = env.get("LEASEHOLD_CLUSTER").getValue();
        assertThat(podLabels).containsEntry("leasehold.dev/cluster", cluster);
        // the Lease the Role limits by name is the cluster's
        assertThat(only(Role.class, "pg-agent").getRules()).anyMatch(r -> r.getResourceNames().contains(cluster));
        assertThat(env.get("LEASEHOLD_MEMBER").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        // passwords only from files, never as values in the manifest
        assertThat(env.keySet()).noneMatch(k -> k.endsWith("_PASSWORD"));
        assertThat(env).containsKeys("LEASEHOLD_SUPERUSER_PASSWORD_FILE", "LEASEHOLD_REPLICATION_PASSWORD_FILE");
        // every LEASEHOLD_ variable is one the agent knows (an unknown one stops it with exit code 2)
        Map<String, String> plain = new TreeMap<>();
        env.forEach((k, v) -> plain.put(k, v.getValue() == null ? "x" : v.getValue()));
        dev.leasehold.postgres.agent.AgentSettings.from(plain);
        // the agents bootstrap the cluster themselves: no init container runs initdb, and the data directory is a
        // subdirectory of a volume (the bootstrap renames a staging directory onto it, which a mount point refuses)
        assertThat(sts.getSpec().getTemplate().getSpec().getInitContainers()).isNullOrEmpty();
        String data = env.get("LEASEHOLD_PG_DATA").getValue();
        assertThat(pg.getVolumeMounts()).as("a volume holding %s as a subdirectory", data)
                .anyMatch(m -> data.startsWith(m.getMountPath() + "/") && !data.equals(m.getMountPath()));
        assertThat(pg.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readiness");
        assertThat(pg.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/liveness");
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"), StandardCharsets.UTF_8);
        assertThat(dockerfile).contains("FROM postgres:", "dev.leasehold.postgres.agent.AgentMain", "USER postgres");
    }
}
