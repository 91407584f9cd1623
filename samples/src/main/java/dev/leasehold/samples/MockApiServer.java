package dev.leasehold.samples;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A fabric8 {@link KubernetesMockServer} in CRUD mode on loopback over plain HTTP: it stores objects, enforces
 * {@code resourceVersion} conflicts and serves watches, so electors talk to it as to a real API server. Every
 * request is counted by {@link RequestCounter}, per caller.
 */
public final class MockApiServer implements AutoCloseable {

    /** The mock server logs every request at INFO through java.util.logging; held so the level sticks. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    /**
     * Where the mock server reports a watch event that it could not write within 30 s. That happens when a client
     * closes a watch while an event is being written to it: the mock server's close handler waits for its sender,
     * which waits for the event loop the handler blocks, so the server stalls for 30 s. Counted, not hidden.
     */
    private static final Logger WEBSOCKET_LOG = Logger.getLogger("io.fabric8.mockwebserver.vertx.VertxMockWebSocket");
    private static final AtomicLong STALLS = new AtomicLong();

    static {
        MOCK_LOG.setLevel(Level.WARNING);
        WEBSOCKET_LOG.setUseParentHandlers(false);
        WEBSOCKET_LOG.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    STALLS.incrementAndGet();
                    System.err.println("# mock API server: " + record.getMessage()
                            + " (a watch was closed while an event was being written to it; the server stalled)");
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private final KubernetesMockServer server;
    private final MockWebServer web;
    private final RequestCounter counter = new RequestCounter();
    private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
    private final HttpClient.Factory httpClients = HttpClientUtils.getHttpClientFactory();

    private MockApiServer() {
        web = new MockWebServer();
        server = new KubernetesMockServer(new Context(), web, new HashMap<>(), counter, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
    }

    /** Starts a server on a free loopback port. */
    public static MockApiServer start() {
        return new MockApiServer();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return "http://" + server.getHostName() + ":" + server.getPort();
    }

    /** Counts of the requests served so far. */
    public RequestCounter requests() {
        return counter;
    }

    /** How many times so far a mock server in this JVM stalled on a watch event write (see above). */
    public static long stalls() {
        return STALLS.get();
    }

    /** A new client to this server, closed with the server. */
    public KubernetesClient newClient() {
        KubernetesClient client = clientFor(url());
        clients.add(client);
        return client;
    }

    /**
     * A new client whose requests name {@code caller} in the {@code Impersonate-User} header, so that
     * {@link RequestCounter} can tell callers apart; all such clients share one HTTP client factory. Closed with
     * the server.
     */
    public KubernetesClient newClientAs(String caller) {
        Config config = config(url());
        config.setImpersonateUsername(caller);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(httpClients)
                .build();
        clients.add(client);
        return client;
    }

    /** A client to the API server at {@code url} (no credentials: the mock server needs none). */
    public static KubernetesClient clientFor(String url) {
        return new KubernetesClientBuilder().withConfig(config(url)).build();
    }

    private static Config config(String url) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(url)
                .withNamespace("default")
                .withTrustCerts(true)
                .withHttp2Disable(true)
                .build();
    }

    /** Closes {@code client} now rather than with the server. */
    public void closeClient(KubernetesClient client) {
        clients.remove(client);
        client.close();
    }

    /**
     * Drops the copies of past requests that the mock server keeps for {@code takeRequest()}; call it before
     * measuring memory and now and then in long runs.
     */
    public void forgetRecordedRequests() {
        try {
            while (web.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
                // drained
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        clients.forEach(KubernetesClient::close);
        clients.clear();
        server.destroy();
    }
}
