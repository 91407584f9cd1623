package dev.leasehold.postgres.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP/1.0 and 1.1 transport, built so that slow or hostile clients cannot starve the probes or the
 * failsafe endpoint.
 *
 * <p>One selector thread does all the socket work without blocking: it reads each connection's request (head and
 * body) into a buffer, and only a complete request reaches a handler thread, so a half-sent request holds no
 * thread. Limits, each refused with a one-line reason and the connection closed:
 * <ul>
 *   <li>one request per connection ({@code Connection: close}), which must arrive whole within
 *       {@link #READ_TIMEOUT} of the connection's accept (408 after that);</li>
 *   <li>a head of at most {@link #MAX_HEAD} bytes (431), a body of at most {@link #MAX_BODY} bytes sent with
 *       {@code Content-Length} (413; {@code Transfer-Encoding} 501);</li>
 *   <li>at most {@link #MAX_CONNECTIONS} open connections: a new one closes the oldest connection whose request
 *       is still incomplete, so the slowest clients make room for new ones; when every open connection has a
 *       complete request, the new one is refused (503);</li>
 *   <li>complete requests run on {@link Lane lanes} with their own threads and bounded queues (503 when full), so
 *       a burst of {@code /status} or a long {@code /switchover} cannot delay a probe;</li>
 *   <li>an answer the client does not read within {@link #WRITE_TIMEOUT} is dropped with its connection.</li>
 * </ul>
 */
final class AgentHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);

    /** Open connections at the most. */
    static final int MAX_CONNECTIONS = 128;
    /** From accept until the whole request (head and body) has arrived. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** From a complete answer until the client has taken it. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * After the answer, how long what the client still sends is read and dropped before the close, so that the
     * close does not reset the connection under an answer the client has not read yet.
     */
    static final Duration LINGER = Duration.ofSeconds(1);
    static final int MAX_HEAD = 8192;
    static final int MAX_BODY = 16384;
    private static final long TICK_MS = 100;

    /** Where a complete request runs: its own threads and queue, so one kind of request cannot delay another. */
    enum Lane {
        /** Health probes and {@code POST /failsafe}: quick, in memory. */
        PROBE(2, 64),
        /** {@code /status}, {@code /metrics} and anything unknown. */
        STATUS(1, 16),
        /** {@code POST /switchover}: waits for the handover; one at a time, no queue. */
        SWITCHOVER(1, 0);

        final int threads;
        final int queue;

        Lane(int threads, int queue) {
            this.threads = threads;
            this.queue = queue;
        }
    }

    /**
     * A complete request.
     *
     * @param headers names in lower case; the last value of a repeated header
     */
    record Request(String method, String path, String query, String version, Map<String, String> headers,
            byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An answer; the body is left out for {@code HEAD}. */
    record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Answer text(int status, String text) {
            return new Answer(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8),
                    Map.of());
        }

        Answer with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Answer(status, contentType, body, h);
        }
    }

    private enum State { READING, HANDLING, WRITING, DRAINING }

    private static final class Connection {
        final SocketChannel channel;
        final long acceptedAt;
        final ByteBuffer in = ByteBuffer.allocate(MAX_HEAD + MAX_BODY);
        SelectionKey key;
        State state = State.READING;
        long deadline;
        ByteBuffer out;

        Connection(SocketChannel channel, long now) {
            this.channel = channel;
            this.acceptedAt = now;
            this.deadline = now + READ_TIMEOUT.toNanos();
        }
    }

    private final String name;
    private final Function<Request, Lane> lanes;
    private final Function<Request, Answer> handler;
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final Map<Lane, ThreadPoolExecutor> workers = new EnumMap<>(Lane.class);
    private final List<Connection> open = new ArrayList<>();
    private final ConcurrentLinkedQueue<Connection> answered = new ConcurrentLinkedQueue<>();
    private final SelectionKey listenerKey;
    private final Thread loop;
    private volatile boolean closed;
    private long acceptPausedUntil;
    private long lastAcceptWarning;

    /**
     * Listens on {@code port} (0: any free port) and serves each complete request with {@code handler} on the lane
     * {@code lanes} names.
     *
     * @throws UncheckedIOException naming the port when it cannot listen
     */
    AgentHttpServer(String name, int port, Function<Request, Lane> lanes, Function<Request, Answer> handler) {
        this.name = name;
        this.lanes = lanes;
        this.handler = handler;
        try {
            selector = Selector.open();
            listener = ServerSocketChannel.open();
            listener.bind(new InetSocketAddress(port), 128);
            listener.configureBlocking(false);
            listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            throw new UncheckedIOException("httpPort = " + port + ": cannot listen: " + e.getMessage(), e);
        }
        for (Lane lane : Lane.values()) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(lane.threads, lane.threads, 0, TimeUnit.SECONDS,
                    lane.queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(lane.queue), r -> {
                        Thread t = new Thread(r, "leasehold-agent-http-" + lane.name().toLowerCase(Locale.ROOT) + "-"
                                + name);
                        t.setDaemon(true);
                        return t;
                    });
            workers.put(lane, pool);
        }
        loop = new Thread(this::run, "leasehold-agent-http-" + name);
        loop.setDaemon(true);
        loop.start();
    }

    int port() {
        return listener.socket().getLocalPort();
    }

    private void run() {
        try {
            while (!closed) {
                selector.select(TICK_MS);
                long now = System.nanoTime();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptOrPause(now);
                    } else if (key.attachment() instanceof Connection c) {
                        serve(key, c);
                    }
                }
                selector.selectedKeys().clear();
                if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
                    acceptPausedUntil = 0;
                    listenerKey.interestOps(SelectionKey.OP_ACCEPT);
                }
                for (Connection c; (c = answered.poll()) != null; ) {
                    startWriting(c, now);
                }
                expire(now);
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.error("{}: HTTP server stopped: {}", name, e.toString());
            }
        } catch (RuntimeException | Error e) {
            LOG.error("{}: HTTP server stopped", name, e);
            throw e;
        }
    }

    private void serve(SelectionKey key, Connection c) {
        try {
            if (key.isReadable() && c.state == State.DRAINING) {
                drain(c);
            } else if (key.isReadable() && c.state == State.READING) {
                read(c);
            } else if (key.isWritable() && c.state == State.WRITING) {
                write(c);
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: HTTP connection dropped: {}", name, e.toString());
            drop(c);
        }
    }

    /**
     * Accepts what waits; when accepting fails (out of file descriptors, say), stops accepting for a tick rather
     * than spin or stop serving the connections it has.
     */
    private void acceptOrPause(long now) {
        try {
            accept(now);
        } catch (IOException e) {
            if (now - lastAcceptWarning > TimeUnit.SECONDS.toNanos(10) || lastAcceptWarning == 0) {
                lastAcceptWarning = now;
                LOG.warn("{}: HTTP: cannot accept a connection ({} open): {}", name, open.size(), e.toString());
            }
            acceptPausedUntil = now + TimeUnit.MILLISECONDS.toNanos(TICK_MS) | 1;
            listenerKey.interestOps(0);
        }
    }

    private void accept(long now) throws IOException {
        for (SocketChannel ch; (ch = listener.accept()) != null; ) {
            ch.configureBlocking(false);
            Connection c = new Connection(ch, now);
            if (open.size() >= MAX_CONNECTIONS && !evictOldestIncomplete()) {
                c.key = ch.register(selector, 0, c);
                open.add(c);
                refuse(c, Answer.text(503, "too many connections (" + MAX_CONNECTIONS + " open, each with a"
                        + " request being answered): closing"), now);
                continue;
            }
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            open.add(c);
            read(c); // a probe sends its request with the connect: take it now, before later accepts can evict it
        }
    }

    private boolean evictOldestIncomplete() {
        Connection oldest = null;
        for (Connection c : open) {
            if (c.state == State.DRAINING) {
                oldest = c;
                break;
            }
            if (c.state == State.READING && (oldest == null || c.acceptedAt - oldest.acceptedAt < 0)) {
                oldest = c;
            }
        }
        if (oldest == null) {
            return false;
        }
        LOG.debug("{}: HTTP: {} connections open: closing the oldest with an incomplete request", name, open.size());
        drop(oldest);
        return true;
    }

    private void read(Connection c) {
        int n;
        try {
            n = c.channel.read(c.in);
        } catch (IOException e) {
            drop(c);
            return;
        }
        if (n < 0) {
            drop(c);
            return;
        }
        HttpRequestParser.Result r = HttpRequestParser.parse(c.in.array(), c.in.position(), !c.in.hasRemaining());
        if (r.refusal() != null) {
            refuse(c, r.refusal(), System.nanoTime());
        } else if (r.request() != null) {
            dispatch(c, r.request());
        }
    }

    private void dispatch(Connection c, Request request) {
        c.state = State.HANDLING;
        c.key.interestOps(0);
        Lane lane;
        try {
            lane = lanes.apply(request);
        } catch (RuntimeException e) {
            lane = Lane.STATUS;
        }
        Lane chosen = lane;
        try {
            workers.get(chosen).execute(() -> answer(c, request, handle(request)));
        } catch (RejectedExecutionException e) {
            answer(c, request, Answer.text(503, chosen == Lane.SWITCHOVER
                    ? "a switchover request is already being answered: try again later"
                    : "busy: too many " + chosen.name().toLowerCase(Locale.ROOT) + " requests waiting"));
        }
    }

    private Answer handle(Request request) {
        try {
            return handler.apply(request);
        } catch (RuntimeException e) {
            LOG.warn("{}: HTTP {} {} failed: {}", name, request.method(), request.path(), e.toString());
            return Answer.text(500, "internal error: " + e.getClass().getSimpleName());
        }
    }

    private void answer(Connection c, Request request, Answer a) {
        c.out = encode(a, request.method().equals("HEAD"));
        answered.add(c);
        selector.wakeup();
    }

    private void refuse(Connection c, Answer a, long now) {
        c.out = encode(a, false);
        startWriting(c, now);
    }

    private void startWriting(Connection c, long now) {
        if (!c.channel.isOpen()) {
            open.remove(c);
            return;
        }
        c.state = State.WRITING;
        c.deadline = now + WRITE_TIMEOUT.toNanos();
        c.key.interestOps(SelectionKey.OP_WRITE);
        write(c);
    }

    private void write(Connection c) {
        try {
            c.channel.write(c.out);
            if (!c.out.hasRemaining()) {
                c.channel.shutdownOutput();
                c.state = State.DRAINING;
                c.deadline = System.nanoTime() + LINGER.toNanos();
                c.key.interestOps(SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            drop(c);
        }
    }

    private void drain(Connection c) {
        try {
            c.in.clear();
            if (c.channel.read(c.in) < 0) {
                drop(c);
            }
        } catch (IOException e) {
            drop(c);
        }
    }

    private void expire(long now) {
        for (Connection c : List.copyOf(open)) {
            if (c.state == State.HANDLING || now - c.deadline < 0) {
                continue;
            }
            if (c.state == State.READING) {
                refuse(c, Answer.text(408, "request not complete within " + READ_TIMEOUT.toSeconds()
                        + " s of connecting: closing"), now);
            } else {
                drop(c);
            }
        }
    }

    private void drop(Connection c) {
        open.remove(c);
        c.key.cancel();
        try {
            c.channel.close();
        } catch (IOException e) {
            LOG.trace("{}: HTTP close: {}", name, e.toString());
        }
    }

    static ByteBuffer encode(Answer a, boolean headOnly) {
        StringBuilder head = new StringBuilder(128).append("HTTP/1.1 ").append(a.status()).append(' ')
                .append(reason(a.status())).append("\r\n");
        head.append("Content-Type: ").append(a.contentType()).append("\r\n");
        head.append("Content-Length: ").append(a.body().length).append("\r\n");
        head.append("Connection: close\r\n");
        a.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(h.length + (headOnly ? 0 : a.body().length));
        out.put(h);
        if (!headOnly) {
            out.put(a.body());
        }
        return out.flip();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : List.copyOf(open)) {
            drop(c);
        }
        try {
            listener.close();
            selector.close();
        } catch (IOException e) {
            LOG.debug("{}: HTTP close: {}", name, e.toString());
        }
        workers.values().forEach(ThreadPoolExecutor::shutdownNow);
    }
}
