package dev.leasehold.samples.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.lock.support.MockApi;
import dev.leasehold.samples.sidecar.Sidecar;
import dev.leasehold.samples.sidecar.SidecarSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Loads every manifest under {@code samples/kubernetes/} with fabric8, and checks the sidecar's RBAC against the
 * requests that sidecars, configured from the Deployment's own environment, really sent to a mock API server.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("kubernetes");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static MockApi api;
    private static KubernetesClient client;
    private static final Map<Path, List<HasMetadata>> MANIFESTS = new HashMap<>();

    @BeforeAll
    static void load() throws IOException {
        api = new MockApi();
        client = api.client();
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    MANIFESTS.put(file, client.load(in).items());
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static <T extends HasMetadata> T only(Class<T> type, String name) {
        List<T> found = MANIFESTS.values().stream().flatMap(List::stream).filter(type::isInstance).map(type::cast)
                .filter(item -> item.getMetadata().getName().equals(name)).toList();
        assertThat(found).as("%s %s in %s", type.getSimpleName(), name, DIR).hasSize(1);
        return found.get(0);
    }

    @Test
    void everyManifestLoadsWithFabric8AndNamesItsKindNameAndNamespace() {
        assertThat(MANIFESTS).isNotEmpty();
        MANIFESTS.forEach((file, items) -> {
            assertThat(items).as("objects in %s", file).isNotEmpty();
            for (HasMetadata item : items) {
                assertThat(item.getKind()).as("kind in %s", file).isNotBlank();
                assertThat(item.getMetadata().getName()).as("name of a %s in %s", item.getKind(), file).isNotBlank();
                assertThat(item.getMetadata().getNamespace()).as("namespace of %s in %s",
                        item.getMetadata().getName(), file).isNotBlank();
            }
        });
        Set<String> kinds = MANIFESTS.values().stream().flatMap(List::stream).map(HasMetadata::getKind)
                .collect(Collectors.toSet());
        assertThat(kinds).contains("ServiceAccount", "Role", "RoleBinding", "Deployment", "Service");
    }

    /**
     * The RBAC rules docs/getting-started.md gives for the Lease lock grant what the sidecar's Role grants, and that
     * Role is checked below against the requests sidecars really sent.
     */
    @Test
    void theGettingStartedRbacRulesGrantWhatTheSidecarsRoleGrants() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "getting-started.md"));
        int start = guide.indexOf("```yaml\n", guide.indexOf("RBAC for the Lease lock")) + "```yaml\n".length();
        String rules = guide.substring(start, guide.indexOf("```", start));
        String yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: guide, namespace: default}\n"
                + "rules:\n" + rules.lines().map(line -> "  " + line).collect(Collectors.joining("\n")) + "\n";
        List<HasMetadata> loaded = client.load(new java.io.ByteArrayInputStream(
                yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))).items();
        Role guideRole = (Role) loaded.get(0);
        Role sidecarRole = only(Role.class, only(RoleBinding.class, "web-leader-elector").getRoleRef().getName());
        assertThat(ApiAccess.granted(guideRole)).as("docs/getting-started.md's rules")
                .isEqualTo(ApiAccess.granted(sidecarRole));
    }

    @Test
    void theSidecarsRoleAllowsExactlyTheRequestsTheSidecarsSent() {
        Deployment deployment = only(Deployment.class, "web");
        String account = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        only(ServiceAccount.class, account);
        RoleBinding binding = MANIFESTS.values().stream().flatMap(List::stream).filter(RoleBinding.class::isInstance)
                .map(RoleBinding.class::cast)
                .filter(b -> b.getSubjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                        && s.getName().equals(account)))
                .findFirst().orElseThrow(() -> new AssertionError("no RoleBinding for ServiceAccount " + account));
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        Role role = only(Role.class, binding.getRoleRef().getName());

        List<ApiAccess> sent = runSidecarsAsDeployed(deployment);

        System.out.println("requests the sidecars sent, by (group, resource, verb, name): " + ApiAccess.census(sent));
        Set<String> sentTriples = sent.stream().map(ApiAccess::triple).collect(Collectors.toCollection(TreeSet::new));
        Set<String> granted = ApiAccess.granted(role);
        // what the sidecars did: read, create, renew/release and watch the Lease (never PATCH)
        assertThat(sentTriples).as("(group, resource, verb) sent").contains("coordination.k8s.io leases create",
                "coordination.k8s.io leases get", "coordination.k8s.io leases update",
                "coordination.k8s.io leases watch");
        assertThat(granted).as("the Role's (group, resource, verb) against those sent").isEqualTo(sentTriples);

        for (ApiAccess access : sent) {
            List<PolicyRule> allowing = role.getRules().stream().filter(access::allowedBy).toList();
            assertThat(allowing).as("rules allowing %s", access).isNotEmpty();
            if (access.name().isPresent()) {
                // least privilege: a request for a named object is allowed only by rules limited to names
                assertThat(allowing).as("rules allowing %s without resourceNames", access)
                        .allMatch(rule -> !rule.getResourceNames().isEmpty());
            }
        }
        Set<String> namesSent = sent.stream().flatMap(a -> a.name().stream()).collect(Collectors.toSet());
        for (PolicyRule rule : role.getRules()) {
            assertThat(namesSent).as("resourceNames of %s", rule).containsAll(rule.getResourceNames());
            if (rule.getVerbs().contains("create")) {
                assertThat(rule.getResourceNames()).as("Kubernetes cannot limit create by name: %s", rule).isEmpty();
            }
        }
    }

    /**
     * Runs one sidecar per replica, each set up from the Deployment's environment (field references resolved as
     * the kubelet would), through an election, a {@code /leader} query on each and a graceful handover, and
     * returns what they asked the API server for.
     */
    private List<ApiAccess> runSidecarsAsDeployed(Deployment deployment) {
        api.takeRequests(); // forget the requests made so far
        Container container = sidecarContainer(deployment);
        List<Sidecar> sidecars = new ArrayList<>();
        try {
            for (int i = 0; i < deployment.getSpec().getReplicas(); i++) {
                Map<String, String> env = environment(container, deployment.getMetadata().getNamespace(),
                        "web-" + i);
                sidecars.add(Sidecar.start(SidecarSettings.parse(List.of("--port=0"), env, Path.of("/nonexistent"),
                        null), client));
            }
            await().atMost(WAIT).until(() -> sidecars.stream().filter(s -> status(s, "/readyz") == 200).count() == 1);
            Sidecar leader = sidecars.stream().filter(Sidecar::isLeader).findFirst().orElseThrow();
            sidecars.forEach(s -> assertThat(status(s, "/leader")).isEqualTo(200));
            leader.close();
            sidecars.remove(leader);
            await().atMost(WAIT).until(() -> sidecars.stream().filter(s -> status(s, "/readyz") == 200).count() == 1);
        } finally {
            sidecars.forEach(Sidecar::close);
        }
        return api.takeRequests().stream().map(ApiAccess::of).toList();
    }

    private static Container sidecarContainer(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getEnv() != null && c.getEnv().stream().anyMatch(e -> e.getName()
                        .equals("LEASEHOLD_LEASE_NAME")))
                .findFirst().orElseThrow(() -> new AssertionError("no container with LEASEHOLD_LEASE_NAME"));
    }

    private static Map<String, String> environment(Container container, String namespace, String podName) {
        Map<String, String> env = new HashMap<>();
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValue() != null) {
                env.put(variable.getName(), variable.getValue());
            } else {
                String field = variable.getValueFrom().getFieldRef().getFieldPath();
                env.put(variable.getName(), switch (field) {
                    case "metadata.name" -> podName;
                    case "metadata.namespace" -> namespace;
                    default -> throw new AssertionError("unexpected field reference " + field);
                });
            }
        }
        return env;
    }

    @Test
    void theServiceRoutesToTheDeploymentsPodsWhoseReadinessIsTheSidecars() {
        Deployment deployment = only(Deployment.class, "web");
        Service service = only(Service.class, "web-leader");
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);

        Container sidecar = sidecarContainer(deployment);
        String port = sidecar.getEnv().stream().filter(e -> e.getName().equals("LEASEHOLD_PORT")).findFirst()
                .orElseThrow().getValue();
        assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(sidecar.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        String probePort = sidecar.getReadinessProbe().getHttpGet().getPort().getStrVal();
        assertThat(sidecar.getPorts()).anyMatch(p -> p.getName().equals(probePort)
                && p.getContainerPort() == Integer.parseInt(port));
        String target = service.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers()).filteredOn(c -> c != sidecar)
                .anyMatch(c -> c.getPorts().stream().anyMatch(p -> target.equals(p.getName())));
    }

    private static int status(Sidecar sidecar, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
