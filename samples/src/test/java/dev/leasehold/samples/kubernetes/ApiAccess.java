package dev.leasehold.samples.kubernetes;

import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one request to the API server asks RBAC for, as Kubernetes' authorizer derives it from the request:
 * API group, resource, verb and, where there is one, the object's name (from the path, or from a
 * {@code metadata.name} field selector on a list or watch).
 *
 * @param group API group, "" for the core group
 * @param resource the resource (plural), with {@code /subresource} when there is one
 * @param verb get, list, watch, create, update, patch, delete or deletecollection
 * @param name the object's name, empty when the request names none (create, an unfiltered list or watch)
 */
record ApiAccess(String group, String resource, String verb, Optional<String> name) {

    /** Whether {@code rule} allows this request, as Kubernetes' RBAC authorizer decides it. */
    boolean allowedBy(io.fabric8.kubernetes.api.model.rbac.PolicyRule rule) {
        return rule.getApiGroups().contains(group) && rule.getResources().contains(resource)
                && rule.getVerbs().contains(verb)
                && (rule.getResourceNames().isEmpty() || name.filter(rule.getResourceNames()::contains).isPresent());
    }

    /** Every (group, resource, verb) triple {@code role} grants, in {@link #triple()}'s form. */
    static java.util.SortedSet<String> granted(io.fabric8.kubernetes.api.model.rbac.Role role) {
        java.util.SortedSet<String> granted = new java.util.TreeSet<>();
        for (var rule : role.getRules()) {
            for (String g : rule.getApiGroups()) {
                for (String r : rule.getResources()) {
                    for (String v : rule.getVerbs()) {
                        granted.add((g.isEmpty() ? "core" : g) + " " + r + " " + v);
                    }
                }
            }
        }
        return granted;
    }

    /** How many requests of each (group, resource, verb, name), for the test's log. */
    static java.util.SortedMap<String, Long> census(java.util.List<ApiAccess> sent) {
        return sent.stream().collect(java.util.stream.Collectors.groupingBy(
                a -> a.triple() + " " + a.name().orElse("(no name)"), java.util.TreeMap::new,
                java.util.stream.Collectors.counting()));
    }

    /** The (group, resource, verb) triple, for comparing with RBAC rules. */
    String triple() {
        return (group.isEmpty() ? "core" : group) + " " + resource + " " + verb;
    }

    /**
     * Reads a recorded request.
     *
     * @throws IllegalArgumentException when the path is not a namespaced resource path
     */
    static ApiAccess of(RecordedRequest request) {
        URI uri = URI.create(request.getPath());
        String[] parts = uri.getPath().substring(1).split("/");
        int at;
        String group;
        if (parts[0].equals("api")) {
            group = "";
            at = 2; // api/v1/...
        } else if (parts[0].equals("apis")) {
            group = parts[1];
            at = 3; // apis/group/version/...
        } else {
            throw new IllegalArgumentException("not a resource request: " + request.getMethod() + " " + uri);
        }
        if (parts.length > at + 1 && parts[at].equals("namespaces")) {
            at += 2;
        }
        if (parts.length <= at) {
            throw new IllegalArgumentException("no resource in: " + request.getMethod() + " " + uri);
        }
        String resource = parts[at];
        Optional<String> name = parts.length > at + 1 ? Optional.of(parts[at + 1]) : Optional.empty();
        if (parts.length > at + 2) {
            resource += "/" + parts[at + 2];
        }
        Map<String, String> query = query(uri.getRawQuery());
        boolean watch = "true".equals(query.get("watch"));
        if (name.isEmpty()) {
            name = Optional.ofNullable(query.get("fieldSelector")).filter(s -> s.startsWith("metadata.name="))
                    .map(s -> s.substring("metadata.name=".length()));
        }
        String verb = switch (request.getMethod()) {
            case "GET" -> watch ? "watch" : parts.length > at + 1 ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> parts.length > at + 1 ? "delete" : "deletecollection";
            default -> throw new IllegalArgumentException("unexpected method: " + request.getMethod() + " " + uri);
        };
        return new ApiAccess(group, resource, verb, name);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String key = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            query.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return query;
    }
}
