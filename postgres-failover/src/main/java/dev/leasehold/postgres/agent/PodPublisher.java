package dev.leasehold.postgres.agent;

import dev.leasehold.lock.support.LockCalls;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to the API server for the agent, off its loop and bounded: the member's status annotation and role
 * label in one JSON merge patch of its own pod, the role label of a previous primary's pod, and Events (best
 * effort). Writes never block the caller; a newer status replaces one not yet sent.
 */
final class PodPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodPublisher.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String self;
    private final RoleLabels labels;
    private final ExecutorService writer;
    private final AtomicReference<Map<String, Object>> pendingStatus = new AtomicReference<>();
    private final AtomicBoolean statusQueued = new AtomicBoolean();
    private volatile String lastError = "";

    PodPublisher(KubernetesClient client, String namespace, String self, RoleLabels labels, Duration callTimeout) {
        this.client = LockCalls.boundedClient(client, callTimeout);
        this.namespace = namespace;
        this.self = self;
        this.labels = labels;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "leasehold-agent-publish-" + self);
            t.setDaemon(true);
            return t;
        });
    }

    /** Publishes this member's status and role label (primary only when {@code primary}). */
    void publish(MemberStatus status, boolean primary) {
        Map<String, Object> patch = Map.of("metadata", Map.of(
                "annotations", Map.of(StatusCodec.ANNOTATION, StatusCodec.write(status)),
                "labels", Map.of(labels.key(), primary ? labels.primary() : labels.replica())));
        pendingStatus.set(patch);
        if (statusQueued.compareAndSet(false, true)) {
            submit(() -> {
                statusQueued.set(false);
                Map<String, Object> p = pendingStatus.getAndSet(null);
                if (p != null) {
                    patch(self, p);
                }
            });
        }
    }

    /** Sets another member's role label to replica (a previous primary that may not be able to do it). */
    void labelReplica(String pod) {
        submit(() -> patch(pod, Map.of("metadata", Map.of("labels", Map.of(labels.key(), labels.replica())))));
    }

    /** Records a Kubernetes Event on this member's pod; failures are logged at DEBUG and dropped. */
    void event(String reason, String message) {
        submit(() -> {
            try {
                Instant now = Instant.now();
                client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                        .withNewMetadata().withName(self + "." + UUID.randomUUID().toString().substring(0, 8))
                        .withNamespace(namespace).endMetadata()
                        .withInvolvedObject(new ObjectReferenceBuilder().withKind("Pod").withName(self)
                                .withNamespace(namespace).withApiVersion("v1").build())
                        .withReason(reason).withMessage(message).withType("Normal")
                        .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
                        .withNewSource().withComponent("leasehold-agent").endSource().build()).create();
            } catch (RuntimeException e) {
                LOG.debug("{}: event {} not recorded: {}", self, reason, e.toString());
            }
        });
    }

    @SuppressWarnings("unchecked")
    private void patch(String pod, Map<String, Object> patch) {
        try {
            // the patch as a Pod object that carries only what changes: fabric8 sends it as one JSON merge
            // patch, with no read before it
            Map<String, Object> meta = (Map<String, Object>) patch.get("metadata");
            Pod partial = new PodBuilder().withNewMetadata().withName(pod).withNamespace(namespace)
                    .withAnnotations((Map<String, String>) meta.getOrDefault("annotations", null))
                    .withLabels((Map<String, String>) meta.getOrDefault("labels", null)).endMetadata().build();
            client.pods().inNamespace(namespace).resource(partial).patch(PatchContext.of(PatchType.JSON_MERGE));
            if (!lastError.isEmpty()) {
                LOG.info("{}: publishing to pod {} works again", self, pod);
                lastError = "";
            }
        } catch (RuntimeException e) {
            String error = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!error.equals(lastError)) {
                LOG.warn("{}: cannot patch pod {}: {}", self, pod, error);
            }
            lastError = error;
        }
    }

    private void submit(Runnable task) {
        try {
            writer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("{}: publisher closed; dropping a write", self);
        }
    }

    /** The last publishing error, empty when the last write worked. */
    Optional<String> lastError() {
        return Optional.of(lastError).filter(s -> !s.isEmpty());
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}
