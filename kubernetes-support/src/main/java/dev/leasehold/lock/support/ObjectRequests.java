package dev.leasehold.lock.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.StatusDetailsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * GET, POST and PUT of one named object, sent with fabric8's asynchronous HTTP client: no thread waits for an
 * answer, so a slow or dead API server (or one slow object) holds no resource that another lock's calls need.
 *
 * <p>The HTTP client is the one of a {@linkplain LockCalls#boundedClient bounded view} of the user's client: the
 * same connections, authentication and interceptors, fabric8's retries off. Each request carries the call timeout.
 * A non-2xx answer fails the future with a {@link KubernetesClientException} carrying the code and the API
 * server's {@link Status}, which {@link LockCalls#map} turns into the SPI's exceptions.
 *
 * @param <T> the kind of object
 */
final class ObjectRequests<T extends HasMetadata> {

    private static final String JSON = "application/json";

    private final HttpClient http;
    private final KubernetesSerialization serialization;
    private final Class<T> type;
    private final String collectionUrl;
    private final String objectUrl;
    private final Duration timeout;

    ObjectRequests(KubernetesClient bounded, Class<T> type, String namespace, String name, Duration timeout) {
        this.http = bounded.getHttpClient();
        this.serialization = bounded.getKubernetesSerialization();
        this.type = type;
        String master = bounded.getMasterUrl().toString();
        String root = master.endsWith("/") ? master.substring(0, master.length() - 1) : master;
        String apiVersion = HasMetadata.getApiVersion(type);
        String prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        this.collectionUrl = root + prefix + "/namespaces/" + namespace + "/" + HasMetadata.getPlural(type);
        this.objectUrl = collectionUrl + "/" + name;
        this.timeout = timeout;
    }

    /** The object, or empty when it does not exist (404). */
    CompletableFuture<Optional<T>> get() {
        return send(request(objectUrl).build()).thenApply(response -> {
            if (response.code() == 404) {
                return Optional.empty();
            }
            return Optional.of(parse(response));
        });
    }

    /** Creates {@code object}; an existing one is a 409. */
    CompletableFuture<T> create(T object) {
        return send(request(collectionUrl).post(JSON, serialization.asJson(object)).build()).thenApply(this::parse);
    }

    /** Replaces the object with {@code object}, whose resourceVersion must be the server's (else 409). */
    CompletableFuture<T> replace(T object) {
        return send(request(objectUrl).put(JSON, serialization.asJson(object)).build()).thenApply(this::parse);
    }

    private HttpRequest.Builder request(String url) {
        return http.newHttpRequestBuilder().uri(url).header("Accept", JSON)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<HttpResponse<String>> send(HttpRequest request) {
        return http.sendAsync(request, String.class);
    }

    private T parse(HttpResponse<String> response) {
        if (!response.isSuccessful()) {
            throw new KubernetesClientException(status(response));
        }
        try {
            return serialization.unmarshal(response.body(), type);
        } catch (RuntimeException e) {
            throw new KubernetesClientException("the API server answered " + response.code() + " with a body that is "
                    + "not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private Status status(HttpResponse<String> response) {
        String body = response.body();
        Status parsed = null;
        if (body != null && !body.isBlank()) {
            try {
                parsed = serialization.unmarshal(body, Status.class);
            } catch (RuntimeException e) {
                // not a Status: the body itself is the message
            }
        }
        String message = parsed != null && parsed.getMessage() != null ? parsed.getMessage()
                : body == null || body.isBlank() ? response.message() : abbreviate(body);
        String retryAfter = response.header("Retry-After");
        if (retryAfter != null) {
            message = message + " (Retry-After: " + retryAfter + ")";
        }
        // the header's hint travels as the Status's details.retryAfterSeconds, where the API server also puts it
        StatusDetails details = parsed != null ? parsed.getDetails() : null;
        Optional<Integer> seconds = RetryAfter.seconds(retryAfter, Instant.now());
        if (seconds.isPresent()) {
            details = new StatusDetailsBuilder(details != null ? details : new StatusDetails())
                    .withRetryAfterSeconds(seconds.get()).build();
        }
        return new StatusBuilder().withCode(response.code()).withMessage(message)
                .withReason(parsed != null ? parsed.getReason() : null).withDetails(details).build();
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 197) + "...";
    }
}
