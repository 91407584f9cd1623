package dev.leasehold.lock.support;

import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.LockException;
import dev.leasehold.core.spi.LockUnavailableException;
import io.fabric8.kubernetes.client.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.impl.BaseClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the calls of one lock and maps their failures to the SPI.
 *
 * <p>fabric8 retries a failed request on its own (by default ten attempts with exponential backoff, tens of
 * seconds in all) and applies its own request timeout. A lock must answer well inside the elector's deadlines,
 * so it talks through a {@linkplain #boundedClient view of the user's client} with retries off and the request
 * timeout set to the call timeout, sends its requests asynchronously ({@link ObjectRequests}: no thread waits
 * for an API server, so a hung one cannot delay the calls of a lock on another), and completes each future with
 * a {@link LockUnavailableException} when the call timeout passes.
 *
 * <p>Failures map to the SPI: 409 is a {@link LockConflictException}; everything else (timeouts, I/O, 5xx,
 * 429, 401/403) is a {@link LockUnavailableException} whose message names the object, the operation and the
 * HTTP status.
 */
public final class LockCalls {

    /** Schedules watch re-establishment, and sets up watches where fabric8 offers no asynchronous way. */
    private static final ThreadPoolExecutor WATCH_POOL = newPool("leasehold-kubernetes-watch", 4);

    private final String object;
    private final Duration callTimeout;

    public LockCalls(String object, Duration callTimeout) {
        this.object = object;
        this.callTimeout = callTimeout;
    }

    /**
     * A view of {@code client} sharing its HTTP connections, with fabric8's own retries off and its request
     * timeout at {@code callTimeout}. Closing the view does not close {@code client}.
     */
    public static KubernetesClient boundedClient(KubernetesClient client, Duration callTimeout) {
        RequestConfig config = new RequestConfigBuilder(requestConfigOf(client))
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout((int) Math.max(1, callTimeout.toMillis()))
                .build();
        return client.newClient(config).adapt(KubernetesClient.class);
    }

    /** Bounded views already made, per user client (held weakly) and call timeout: locks on one client share them. */
    private static final java.util.Map<KubernetesClient, java.util.Map<Duration, KubernetesClient>> BOUNDED =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * The {@linkplain #boundedClient bounded view} of {@code client} for {@code callTimeout}, made once and shared
     * by every lock on that client with that timeout (a view per lock costs heap and adds nothing).
     */
    static KubernetesClient sharedBoundedClient(KubernetesClient client, Duration callTimeout) {
        synchronized (BOUNDED) {
            return BOUNDED.computeIfAbsent(client, c -> new java.util.concurrent.ConcurrentHashMap<>())
                    .computeIfAbsent(callTimeout, timeout -> boundedClient(client, timeout));
        }
    }

    /** Watch views already made, per user client (held weakly). */
    private static final java.util.Map<KubernetesClient, KubernetesClient> WATCHING =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The {@linkplain #watchClient watch view} of {@code client}, made once and shared by every lock on it. */
    static KubernetesClient sharedWatchClient(KubernetesClient client) {
        synchronized (WATCHING) {
            return WATCHING.computeIfAbsent(client, LockCalls::watchClient);
        }
    }

    /**
     * A view of {@code client} for watches: fabric8 does not reconnect on its own (the lock does, and reports
     * the gap to its listener), and requests are not retried.
     */
    public static KubernetesClient watchClient(KubernetesClient client) {
        RequestConfig config = new RequestConfigBuilder(requestConfigOf(client))
                .withRequestRetryBackoffLimit(0)
                .withWatchReconnectLimit(0)
                .build();
        Client view = client.newClient(config);
        return view.adapt(KubernetesClient.class);
    }

    /**
     * The request settings {@code client} really sends with. A view made with
     * {@code client.newClient(RequestConfig)} (impersonation, its own timeouts) keeps them in its operation context;
     * {@code getConfiguration()} shows the base client's, and starting from those would silently drop the view's.
     */
    static RequestConfig requestConfigOf(KubernetesClient client) {
        if (client instanceof BaseClient base && base.getOperationContext() != null
                && base.getOperationContext().getRequestConfig() != null) {
            return base.getOperationContext().getRequestConfig();
        }
        return client.getConfiguration().getRequestConfig();
    }

    /** The shared pool of daemon threads on which {@link ObjectWatch} sets up and re-establishes watches. */
    static ThreadPoolExecutor watchPool() {
        return WATCH_POOL;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /**
     * Bounds {@code call} (already sent) by the call timeout and maps its failures to the SPI. A call still
     * running at the timeout is cancelled; its request ends by its own timeout, which is the same.
     */
    public <T> CompletableFuture<T> bound(String operation, CompletableFuture<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        call.whenComplete((value, failure) -> {
            if (failure != null) {
                result.completeExceptionally(map(operation, failure));
            } else {
                result.complete(value);
            }
        });
        result.orTimeout(callTimeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((value, failure) -> {
            if (failure instanceof TimeoutException) {
                call.cancel(true);
            }
        });
        return result.exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                failure instanceof TimeoutException
                        ? new LockUnavailableException(operation + " " + object + " did not answer within "
                                + callTimeout, failure)
                        : failure));
    }

    /** Starts {@code call}, bounded like any call; a call that throws at once fails the future. */
    <T> CompletableFuture<T> start(String operation, java.util.function.Supplier<CompletableFuture<T>> call) {
        try {
            return bound(operation, call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(map(operation, e));
        }
    }

    /** Establishes a watch with a blocking {@code call} on the watch pool, bounded by the call timeout. */
    <T> CompletableFuture<T> runWatchSetup(Callable<T> call) {
        CompletableFuture<T> started = new CompletableFuture<>();
        try {
            Future<?> task = WATCH_POOL.submit(() -> {
                try {
                    started.complete(call.call());
                } catch (Throwable t) {
                    started.completeExceptionally(t);
                }
            });
            started.whenComplete((value, failure) -> {
                if (failure instanceof java.util.concurrent.CancellationException) {
                    task.cancel(true);
                }
            });
        } catch (RejectedExecutionException e) {
            started.completeExceptionally(e);
        }
        return bound("watch", started);
    }

    /** Maps a failure of {@code operation} to the SPI's exceptions. */
    public LockException map(String operation, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof LockException lockException) {
            return lockException;
        }
        if (cause instanceof KubernetesClientException k8s) {
            int code = k8s.getCode();
            String status = k8s.getStatus() != null && k8s.getStatus().getMessage() != null
                    ? k8s.getStatus().getMessage() : String.valueOf(k8s.getMessage());
            if (code == 409) {
                return new LockConflictException(operation + " " + object + ": conflict (409): " + status, k8s);
            }
            String what = code <= 0 ? "failed" : "failed with HTTP " + code;
            return new LockUnavailableException(operation + " " + object + " " + what + ": " + status, k8s,
                    retryAfter(k8s));
        }
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new LockUnavailableException(operation + " " + object + " failed: " + cause, cause);
    }

    /**
     * The server's hint of how long to stay away, on a 429 or 503 only: the {@code Retry-After} header (which
     * {@link ObjectRequests} puts into the Status) or the Status's own {@code details.retryAfterSeconds}.
     */
    private static Duration retryAfter(KubernetesClientException k8s) {
        if (k8s.getCode() != 429 && k8s.getCode() != 503) {
            return null;
        }
        Integer seconds = k8s.getStatus() != null && k8s.getStatus().getDetails() != null
                ? k8s.getStatus().getDetails().getRetryAfterSeconds() : null;
        return seconds != null && seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    }

    private static ThreadPoolExecutor newPool(String name, int threads) {
        AtomicInteger count = new AtomicInteger();
        // idle threads end after 5 s so that a quiet JVM (or one whose electors all closed) keeps none
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 5, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
