package dev.leasehold.samples.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A ConfigMap that only accepts writes fenced by a leader's term: the annotation {@value #TERM_ANNOTATION} holds
 * the highest term that wrote to it, and a write carrying a lower one is rejected with a
 * {@link StaleTermException}. Every write is a compare-and-swap on {@code metadata.resourceVersion}: a write that
 * read the object before someone else wrote it gets a conflict (409), reads again, and checks the term again. So
 * a leader that was paused past its term (a GC pause, a frozen node) and wakes in the middle of a write cannot
 * overwrite what its successor wrote.
 *
 * <p>This is the other half of fencing: the elector hands each term a strictly larger number
 * ({@code Leadership.term()}); only the thing written to can compare numbers at the moment of the write.
 */
public final class FencedConfigMap {

    /** Where the highest term seen is kept. */
    public static final String TERM_ANNOTATION = "leasehold.dev/fencing-term";

    private static final int MAX_ATTEMPTS = 10;

    private final KubernetesClient client;
    private final Resource<ConfigMap> resource;
    private final String namespace;
    private final String name;
    private final String description;

    public FencedConfigMap(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.resource = client.configMaps().inNamespace(namespace).withName(name);
        this.namespace = namespace;
        this.name = name;
        this.description = "ConfigMap " + namespace + "/" + name;
    }

    /** What a successful write left: the term and the object's new version. */
    public record Written(long term, String resourceVersion) {
    }

    /**
     * Writes {@code change} of the current data (empty when the ConfigMap does not exist) with {@code term}.
     * {@code change} may run more than once (after a conflict) and must not modify its argument.
     *
     * @throws StaleTermException when a higher term has written to the ConfigMap
     * @throws IllegalStateException when the ConfigMap's term annotation is not a number, or the writes keep
     *     conflicting
     */
    public Written write(long term, UnaryOperator<Map<String, String>> change) {
        if (term < 1) {
            throw new IllegalArgumentException("term must be at least 1, was " + term);
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            ConfigMap current = resource.get();
            long highest = highestTerm(current);
            if (term < highest) {
                throw new StaleTermException(description, term, highest);
            }
            Map<String, String> data = current == null || current.getData() == null ? Map.of()
                    : Map.copyOf(current.getData());
            ConfigMap next = (current == null
                    ? new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                    : new ConfigMapBuilder(current))
                    .editMetadata()
                    .addToAnnotations(TERM_ANNOTATION, Long.toString(term))
                    .endMetadata()
                    .withData(new HashMap<>(change.apply(data)))
                    .build();
            try {
                // create: POST (an existing object is a 409); update: PUT carrying the version read (a newer one
                // on the server is a 409)
                ConfigMap written = current == null ? client.resource(next).create() : client.resource(next).update();
                return new Written(term, written.getMetadata().getResourceVersion());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // someone wrote (or created) it since our read: read again and check the term again
            }
        }
        throw new IllegalStateException("writes to " + description + " kept conflicting; gave up after "
                + MAX_ATTEMPTS + " attempts");
    }

    /** The highest term that wrote to the ConfigMap, 0 when none did. */
    public long highestTerm() {
        return highestTerm(resource.get());
    }

    /** The ConfigMap's data, empty when it does not exist. */
    public Map<String, String> data() {
        ConfigMap current = resource.get();
        return current == null || current.getData() == null ? Map.of() : Map.copyOf(current.getData());
    }

    private long highestTerm(ConfigMap configMap) {
        if (configMap == null || configMap.getMetadata().getAnnotations() == null) {
            return 0;
        }
        String value = configMap.getMetadata().getAnnotations().get(TERM_ANNOTATION);
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(description + " has annotation " + TERM_ANNOTATION + " = \"" + value
                    + "\", not a term number; fix or remove it", e);
        }
    }
}
