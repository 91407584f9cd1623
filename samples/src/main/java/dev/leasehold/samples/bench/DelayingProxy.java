package dev.leasehold.samples.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP proxy on loopback that delays every byte by half the given round-trip latency in each direction, in order,
 * so that requests take the latency longer to answer and watch events arrive half of it later, as from an API server
 * farther away. It runs in the benchmark's parent process, so its threads (four per connection) are not counted in
 * the footprint of the electors' JVM.
 */
final class DelayingProxy implements AutoCloseable {

    private record Chunk(long dueNanos, byte[] bytes) {
    }

    private static final Chunk END = new Chunk(0, new byte[0]);

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long oneWayNanos;

    private DelayingProxy(ServerSocket server, InetSocketAddress target, Duration roundTrip) {
        this.server = server;
        this.target = target;
        this.oneWayNanos = roundTrip.toNanos() / 2;
    }

    /** Starts a proxy in front of the {@code http://host:port} URL, adding {@code roundTrip} to each exchange. */
    static DelayingProxy start(String url, Duration roundTrip) {
        URI uri = URI.create(url);
        try {
            ServerSocket server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
            DelayingProxy proxy = new DelayingProxy(server, new InetSocketAddress(uri.getHost(), uri.getPort()),
                    roundTrip);
            daemon("delaying-proxy-accept", proxy::accept);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a delaying proxy in front of " + url, e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.out.println("# delaying proxy: " + e);
                }
            }
        }
    }

    /** Copies {@code from} to {@code to}, each chunk written once it is {@code oneWayNanos} old. */
    private void pipe(Socket from, Socket to) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        daemon("delaying-proxy-read", () -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    queue.add(new Chunk(System.nanoTime() + oneWayNanos, Arrays.copyOf(buffer, read)));
                }
            } catch (IOException e) {
                // the connection ended
            }
            queue.add(END);
        });
        daemon("delaying-proxy-write", () -> {
            try (OutputStream out = to.getOutputStream()) {
                for (Chunk chunk = queue.take(); chunk != END; chunk = queue.take()) {
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                closeQuietly(to);
                closeQuietly(from);
            }
        });
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
