package dev.leasehold.samples.pgdemo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the demo knows about its members: each agent's {@code GET /status} and {@code GET /health} over HTTP, and
 * each pod's role label from the Kubernetes API, as a table row.
 */
final class Members {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE_LABEL = "leasehold.dev/role";

    /** One member's last answer. */
    record View(String member, Optional<JsonNode> status, boolean healthy, String label) {

        boolean writablePrimary() {
            return status.map(s -> s.path("writablePrimary").asBoolean(false)).orElse(false);
        }

        boolean replicaOf(String primary) {
            return status.map(s -> "replica".equals(s.path("role").asText())
                    && primary.equals(s.path("upstream").asText())).orElse(false);
        }

        String text(String field) {
            return status.map(s -> s.path(field)).filter(n -> !n.isMissingNode() && !n.isNull())
                    .map(JsonNode::asText).orElse("-");
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final List<String> names;
    private final Map<String, Integer> httpPorts;
    private final KubernetesClient kube;
    private final String namespace;
    private final Map<String, View> last = new ConcurrentHashMap<>();

    Members(List<String> names, Map<String, Integer> httpPorts, KubernetesClient kube, String namespace) {
        this.names = List.copyOf(names);
        this.httpPorts = Map.copyOf(httpPorts);
        this.kube = kube;
        this.namespace = namespace;
    }

    List<String> names() {
        return names;
    }

    int httpPort(String member) {
        return httpPorts.get(member);
    }

    /** Asks every member now. */
    List<View> poll() {
        List<View> views = new ArrayList<>();
        for (String m : names) {
            Optional<JsonNode> status = get(m, "/status").flatMap(body -> {
                try {
                    return Optional.of(JSON.readTree(body));
                } catch (IOException e) {
                    return Optional.empty();
                }
            });
            boolean healthy = status.isPresent() && get(m, "/health").isPresent();
            String label = "-";
            try {
                Pod pod = kube.pods().inNamespace(namespace).withName(m).get();
                if (pod != null && pod.getMetadata().getLabels() != null) {
                    label = pod.getMetadata().getLabels().getOrDefault(ROLE_LABEL, "-");
                }
            } catch (RuntimeException e) {
                label = "?";
            }
            View v = new View(m, status, healthy, label);
            last.put(m, v);
            views.add(v);
        }
        return views;
    }

    Optional<View> last(String member) {
        return Optional.ofNullable(last.get(member));
    }

    /** The body of a 200 answer, or empty. */
    Optional<String> get(String member, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + httpPorts.get(member) + path)).timeout(Duration.ofSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** POST with a bearer token: status code and body (code -1 when the agent does not answer). */
    Map.Entry<Integer, String> post(String member, String path, String token, String body, Duration timeout) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + httpPorts.get(member) + path)).timeout(timeout).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return Map.entry(r.statusCode(), r.body());
        } catch (IOException e) {
            return Map.entry(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.entry(-1, "interrupted");
        }
    }

    static StatusTable.Row row(View v, long acks) {
        String lag = v.text("lagBytes");
        return new StatusTable.Row(v.member(), v.status().isPresent() ? v.text("role") : "down", v.text("term"),
                v.text("timeline"), v.text("position"), lag.equals("-") ? "-" : lag + " B",
                v.status().isPresent() ? (v.healthy() ? "yes" : "no") : "-", v.text("leader"), v.label(), acks);
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
