package dev.leasehold.postgres.agent;

import dev.leasehold.lock.support.FaultProxy;
import dev.leasehold.lock.support.MockApi;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.testing.PostgresCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Real PostgreSQL members (the harness) with one agent each, on fabric8's mock API server in CRUD mode, each
 * member with its Pod object and its own client (optionally through a fault proxy). Timings 5/3/1.
 */
final class AgentFixture implements AutoCloseable {
    static final String NS = "default";
    static final String CLUSTER = "pg";
    static final Duration LEASE = Duration.ofSeconds(5);

    final MockApi api = new MockApi();
    final KubernetesClient admin = api.client();
    final PostgresCluster pg;
    final Agent[] agents;
    final FaultProxy[] proxies;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final UnaryOperator<AgentConfig.Builder> tweak;

    AgentFixture(int size) {
        this(size, b -> b);
    }

    AgentFixture(int size, UnaryOperator<AgentConfig.Builder> tweak) {
        this(PostgresCluster.start(size), tweak);
    }

    /** Members with no data anywhere (the agents bootstrap the cluster), with the harness's bootstrap settings. */
    static AgentFixture withoutData(int size) {
        return new AgentFixture(PostgresCluster.withoutData(size),
                b -> b.bootstrap(PostgresCluster.bootstrapSettings()));
    }

    private AgentFixture(PostgresCluster cluster, UnaryOperator<AgentConfig.Builder> tweak) {
        int size = cluster.members().size();
        this.tweak = tweak;
        this.pg = cluster;
        this.agents = new Agent[size];
        this.proxies = new FaultProxy[size];
        for (int i = 0; i < size; i++) {
            admin.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("pg-" + i)
                    .withNamespace(NS).addToLabels(ClusterView.CLUSTER_LABEL, CLUSTER).endMetadata()
                    .withNewSpec().addNewContainer().withName("postgres").withImage("postgres:15").endContainer()
                    .endSpec().build()).create();
            proxies[i] = api.proxy();
        }
    }

    AgentConfig.Builder config(int i) {
        AgentConfig.Builder b = AgentConfig.builder().member(pg.member(i)).client(api.clientVia(proxies[i]))
                .namespace(NS).cluster(CLUSTER).leaseDuration(LEASE).renewDeadline(Duration.ofSeconds(3))
                .retryPeriod(Duration.ofSeconds(1)).fenceTimeout(Duration.ofMillis(500))
                .statusInterval(Duration.ofMillis(500)).probeTimeout(Duration.ofSeconds(1))
                .operationTimeout(Duration.ofSeconds(30)).httpPort(0);
        for (int j = 0; j < agents.length; j++) { // one machine: clones work without pg_basebackup too
            if (j != i) {
                b.localDataDir(pg.member(j).name(), pg.member(j).config().dataDir().orElseThrow());
            }
        }
        return tweak.apply(b);
    }

    Agent start(int i) {
        agents[i] = Agent.start(config(i).build());
        return agents[i];
    }

    void startAll() {
        for (int i = 0; i < agents.length; i++) {
            start(i);
        }
    }

    /** The index of the one agent that is the writable primary, or empty. */
    Optional<Integer> primary() {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < agents.length; i++) {
            if (agents[i] != null && agents[i].isWritablePrimary()) {
                found.add(i);
            }
        }
        if (found.size() > 1) {
            throw new AssertionError("two writable primaries: " + found);
        }
        return found.stream().findFirst();
    }

    PostgresInstance member(int i) {
        return pg.member(i);
    }

    String label(int i) {
        Pod pod = admin.pods().inNamespace(NS).withName("pg-" + i).get();
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return labels.getOrDefault(RoleLabels.LEASEHOLD.key(), "");
    }

    Lease lease() {
        return admin.resources(Lease.class).inNamespace(NS).withName(CLUSTER).get();
    }

    Map<String, String> leaseAnnotations() {
        Lease l = lease();
        return l == null || l.getMetadata().getAnnotations() == null ? Map.of()
                : new HashMap<>(l.getMetadata().getAnnotations());
    }

    /** GET on agent {@code i}'s endpoint: status code and body. */
    HttpResponse<String> get(int i, String path) {
        return send(i, path, "GET");
    }

    HttpResponse<String> send(int i, String path, String method) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agents[i].httpPort().orElseThrow()
                    + path)).method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (Agent a : agents) {
            if (a != null) {
                a.abandon();
            }
        }
        pg.close();
        api.close();
    }
}
