package dev.leasehold.postgres.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slow and hostile HTTP clients for a test: {@code count} connections to one port, each with a request that never
 * finishes (half a head, or a POST with a wrong token whose body never comes), held open; one thread drips a byte
 * into each every second and reopens any the server closed, so that {@code count} stay open as long as this runs.
 * Bounded: it stops on {@link #close()}, and it reopens at most {@code count} connections a second.
 */
final class SlowClients implements AutoCloseable {
    private static final String[] HALF_SENT = {
        "GET /health HTTP/1.1\r\nHost: x\r\n",
        "POST /failsafe HTTP/1.1\r\nAuthorization: Bearer wrong\r\nContent-Length: 200\r\n\r\n{\"primary\":",
        "POST /switchover HTTP/1.1\r\nAuthorization: Bearer wrong\r\nContent-Length: 100\r\n\r\n{",
        "OPTIONS /pri",
    };

    private final int port;
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread keeper;
    private final AtomicInteger reopened = new AtomicInteger();
    private volatile boolean closed;

    SlowClients(int port, int count) {
        this.port = port;
        for (int i = 0; i < count; i++) {
            sockets.add(open(i));
        }
        keeper = new Thread(this::keep, "slow-clients-" + port);
        keeper.setDaemon(true);
        keeper.start();
    }

    /** How many connections the server closed and this reopened. */
    int reopened() {
        return reopened.get();
    }

    private Socket open(int i) {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            s.setSoTimeout(1);
            s.getOutputStream().write(HALF_SENT[i % HALF_SENT.length].getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            // refused or reset: kept as it is, the keeper tries again
        }
        return s;
    }

    private void keep() {
        while (!closed) {
            for (int i = 0; i < sockets.size() && !closed; i++) {
                Socket s = sockets.get(i);
                if (!alive(s)) {
                    closeQuietly(s);
                    sockets.set(i, open(i));
                    reopened.incrementAndGet();
                } else {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(' ');
                    } catch (IOException e) {
                        closeQuietly(s);
                    }
                }
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Whether the server still holds {@code s} open: a read that times out (with the socket's read timeout) says
     * yes, an end or error no; an answer on the way is read and dropped.
     */
    static boolean alive(Socket s) {
        if (s.isClosed() || !s.isConnected()) {
            return false;
        }
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) { // an answer (a refusal): drain it; the end follows
                continue;
            }
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        keeper.interrupt();
        try {
            keeper.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sockets.forEach(SlowClients::closeQuietly);
    }
}
