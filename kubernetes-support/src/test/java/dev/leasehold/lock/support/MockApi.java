package dev.leasehold.lock.support;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * A fabric8 {@link KubernetesMockServer} in CRUD mode over plain HTTP on loopback (it enforces resourceVersion
 * conflicts and serves watches, written without blocking: see {@link NonBlockingCrudDispatcher}), optionally behind a {@link FaultProxy}, and the clients that talk to it.
 */
public final class MockApi implements AutoCloseable {

    private final KubernetesMockServer server;
    private final List<KubernetesClient> clients = new ArrayList<>();
    private final List<FaultProxy> proxies = new ArrayList<>();

    public MockApi() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new NonBlockingCrudDispatcher(), false);
        server.init();
    }

    /** A client straight to the server (fabric8's default retries and timeouts). */
    public KubernetesClient client() {
        return track(server.createClient());
    }

    /** The requests the server received so far, oldest first, with their headers; each is taken once. */
    public java.util.List<io.fabric8.mockwebserver.http.RecordedRequest> takeRequests() {
        java.util.List<io.fabric8.mockwebserver.http.RecordedRequest> taken = new ArrayList<>();
        try {
            io.fabric8.mockwebserver.http.RecordedRequest next;
            while ((next = server.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
                taken.add(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return taken;
    }

    public String host() {
        return server.getHostName();
    }

    public int port() {
        return server.getPort();
    }

    /** A new proxy in front of the server; closed with this. */
    public FaultProxy proxy() {
        FaultProxy proxy = new FaultProxy(server.getHostName(), server.getPort());
        proxies.add(proxy);
        return proxy;
    }

    /** A client that talks to the server through {@code proxy} (fabric8's default retries and timeouts). */
    public KubernetesClient clientVia(FaultProxy proxy) {
        KubernetesClient direct = server.createClient();
        try {
            return track(new KubernetesClientBuilder().withConfig(new ConfigBuilder(direct.getConfiguration())
                    .withMasterUrl("http://127.0.0.1:" + proxy.port()).build()).build());
        } finally {
            direct.close();
        }
    }

    /** The JSON the server holds at {@code path} (e.g. {@code /api/v1/namespaces/ns/configmaps/name}), as stored. */
    public String rawGet(String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + server.getHostName() + ":" + server.getPort() + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private KubernetesClient track(KubernetesClient client) {
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(KubernetesClient::close);
        }
        proxies.forEach(FaultProxy::close);
        server.destroy();
    }
}
