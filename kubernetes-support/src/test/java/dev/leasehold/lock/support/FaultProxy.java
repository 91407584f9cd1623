package dev.leasehold.lock.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy between clients and the mock API server that can pass traffic, swallow it (the API server
 * "does not answer": connections stay open, nothing comes back), answer every new request with HTTP 503, or cut
 * all open connections (which ends watches).
 */
public final class FaultProxy implements AutoCloseable {

    /** What the proxy does with traffic. */
    public enum Mode {
        /** Forward everything both ways. */
        PASS,
        /** Accept and read, forward nothing: every request hangs. */
        BLACKHOLE,
        /** Answer each new request with 503 Service Unavailable and close the connection. */
        UNAVAILABLE,
        /** Answer each new request with 410 Gone (an expired resourceVersion) and close the connection. */
        GONE,
        /** Answer each new request with 429 Too Many Requests and {@code Retry-After: 1}, and close the connection. */
        TOO_MANY_REQUESTS,
        /**
         * Forward everything, except that watches go silent: a watch request is forwarded and the server's answer
         * never comes back, the connection staying open (a half-open watch behind a broken load balancer).
         */
        SILENT_WATCHES,
        /**
         * Forward everything, except that the answer to a write (PUT, POST, PATCH) never comes back: the write
         * reaches the server and may land, and the client hears nothing. Nothing more comes back on that
         * connection, in any mode; leaving this mode cuts it, so the client then sees a reset.
         */
        LOSE_WRITE_ANSWERS
    }

    private volatile String targetHost;
    private volatile int targetPort;
    private final java.util.concurrent.atomic.AtomicLong connections = new java.util.concurrent.atomic.AtomicLong();
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;
    private final List<String> faulted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback", e);
        }
        daemon("fault-proxy-accept", this::acceptLoop).start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Request lines (e.g. {@code GET /apis/...?watch=true HTTP/1.1}) that a fault mode answered, in order: what a
     * client sent while the fault was on.
     */
    public List<String> faultedRequests() {
        return List.copyOf(faulted);
    }

    /** Connections accepted so far: each request that fault modes answer opens one (they close it after). */
    public long connections() {
        return connections.get();
    }

    /**
     * Sends new connections to another server from now on and cuts the open ones: the API server "restarts",
     * e.g. empty, at the same address.
     */
    public void retarget(MockApi server) {
        targetHost = server.host();
        targetPort = server.port();
        cutConnections();
    }

    /**
     * Switches the mode and cuts open connections (except when switching to {@link Mode#SILENT_WATCHES}), so that pooled connections behave like new ones (and none
     * that lost bytes in {@link Mode#BLACKHOLE} carries traffic again).
     */
    public void mode(Mode newMode) {
        Mode old = mode;
        mode = newMode;
        // silencing watches or losing write answers keeps the connections: they carry on under the new mode
        if (old != newMode && newMode != Mode.SILENT_WATCHES && newMode != Mode.LOSE_WRITE_ANSWERS) {
            cutConnections();
        }
    }

    /** Closes every open connection (in both directions); new ones are accepted as the mode says. */
    public void cutConnections() {
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                connections.incrementAndGet();
                open.add(client);
                daemon("fault-proxy-conn", () -> serve(client)).start();
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            if (mode == Mode.UNAVAILABLE) {
                answer(client, 503, "Service Unavailable", "ServiceUnavailable");
                return;
            }
            if (mode == Mode.GONE) {
                answer(client, 410, "Gone", "Expired");
                return;
            }
            if (mode == Mode.TOO_MANY_REQUESTS) {
                answer(client, 429, "Too Many Requests", "TooManyRequests");
                return;
            }
            Socket upstream = new Socket(targetHost, targetPort);
            open.add(upstream);
            java.util.concurrent.atomic.AtomicBoolean watch = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean lost = new java.util.concurrent.atomic.AtomicBoolean();
            daemon("fault-proxy-up", () -> pump(client, upstream, watch, lost, true)).start();
            pump(upstream, client, watch, lost, false);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    /**
     * Copies {@code from} to {@code to}. Requests go client to server ({@code request}); a connection whose
     * request asks for a watch is marked, and in {@link Mode#SILENT_WATCHES} nothing comes back on it; one that
     * carries a write in {@link Mode#LOSE_WRITE_ANSWERS} is marked {@code lost}, and nothing comes back on it.
     */
    private void pump(Socket from, Socket to, java.util.concurrent.atomic.AtomicBoolean watch,
            java.util.concurrent.atomic.AtomicBoolean lost, boolean request) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (request && new String(buffer, 0, read, StandardCharsets.ISO_8859_1).contains("watch=true")) {
                    watch.set(true);
                }
                Mode now = mode;
                if (request && now == Mode.LOSE_WRITE_ANSWERS && isWrite(buffer, read)) {
                    faulted.add(new String(buffer, 0, Math.min(read, 200), StandardCharsets.ISO_8859_1)
                            .split("\r\n", 2)[0]);
                    lost.set(true);
                }
                boolean forward = request || !lost.get();
                if (forward && (now == Mode.PASS || now == Mode.LOSE_WRITE_ANSWERS
                        || (now == Mode.SILENT_WATCHES && (request || !watch.get())))) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side closed: close the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static boolean isWrite(byte[] buffer, int read) {
        String head = new String(buffer, 0, Math.min(read, 8), StandardCharsets.ISO_8859_1);
        return head.startsWith("PUT ") || head.startsWith("POST ") || head.startsWith("PATCH ");
    }

    private void answer(Socket client, int code, String text, String reason) throws IOException {
        InputStream in = client.getInputStream();
        // read the request head; the body (if any) is ignored because the connection is closed after answering
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        StringBuilder requestLine = new StringBuilder();
        boolean firstLine = true;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            firstLine &= b != '\r' && b != '\n';
            if (firstLine && requestLine.length() < 2000) {
                requestLine.append((char) b);
            }
        }
        faulted.add(requestLine.toString());
        String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"injected\","
                + "\"reason\":\"" + reason + "\",\"code\":" + code + "}";
        String response = "HTTP/1.1 " + code + " " + text + "\r\nContent-Type: application/json\r\n"
                + (code == 429 ? "Retry-After: 1\r\n" : "") + "Content-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        client.getOutputStream().write(response.getBytes(StandardCharsets.UTF_8));
        client.getOutputStream().flush();
        closeQuietly(client);
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        cutConnections();
    }
}
