package dev.leasehold.samples.sidecar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP endpoints on the JDK's built-in server: each path answers {@code GET} with a JSON body; other
 * methods get 405 (with {@code Allow: GET}), other paths 404, and a handler that fails gets 500 with a one-line
 * reason: never a stack trace.
 */
final class SidecarHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SidecarHttp.class);

    /** An answer: status and JSON body. */
    record Reply(int status, String json) {
    }

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * Binds {@code port} on all interfaces (0: any free port) and serves {@code routes}.
     *
     * @throws UncheckedIOException when the port cannot be bound, naming it
     */
    SidecarHttp(int port, Map<String, Supplier<Reply>> routes) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port + ": " + e.getMessage(), e);
        }
        AtomicInteger count = new AtomicInteger();
        executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "leasehold-sidecar-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, routes));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void handle(HttpExchange exchange, Map<String, Supplier<Reply>> routes) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Supplier<Reply> route = routes.get(path);
            Reply reply;
            if (route == null) {
                reply = error(404, "no such path: " + path + "; try " + String.join(", ", routes.keySet()));
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                reply = error(405, exchange.getRequestMethod() + " is not allowed on " + path + "; use GET");
            } else {
                reply = answer(route, path);
            }
            send(exchange, reply);
        }
    }

    private static Reply answer(Supplier<Reply> route, String path) {
        try {
            return route.get();
        } catch (RuntimeException e) {
            LOG.warn("GET {} failed", path, e);
            return error(500, "GET " + path + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    static Reply error(int status, String message) {
        return new Reply(status, "{\"error\":" + Json.string(message) + "}");
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] body = (reply.json() + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(reply.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
