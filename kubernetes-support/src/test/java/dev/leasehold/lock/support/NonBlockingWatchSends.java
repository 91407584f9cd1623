package dev.leasehold.lock.support;

import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Works around a stall of fabric8's mock server (7.8.0). Its watch sender writes each event and waits, on a
 * thread of its own, until the server's event loop has written it; when the client closes the watch meanwhile,
 * the close handler, on that event loop, waits for the sender to finish, and every connection on that loop
 * stalls until the write gives up after 30 s. This listener hands the watch a web socket whose {@code send}
 * queues the event and returns at once; the events of one watch are still written in order, one at a time, by
 * a shared pool. Everything else passes through unchanged.
 */
public final class NonBlockingWatchSends extends WebSocketListener {

    /** Idle writers end after 5 s, so that thread counts settle soon after the watches close. */
    private static final ExecutorService WRITERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
            new SynchronousQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "mock-watch-writer");
                thread.setDaemon(true);
                return thread;
            });
    private static final AtomicInteger OPEN = new AtomicInteger();

    private final WebSocketListener delegate;
    private volatile QueuedSends socket;
    private final AtomicBoolean open = new AtomicBoolean();

    /** Watches the mock servers of this JVM hold open right now (opened and neither closed nor failed). */
    public static int openWatches() {
        return OPEN.get();
    }

    private void opened() {
        if (open.compareAndSet(false, true)) {
            OPEN.incrementAndGet();
        }
    }

    private void ended() {
        if (open.compareAndSet(true, false)) {
            OPEN.decrementAndGet();
        }
    }

    public NonBlockingWatchSends(WebSocketListener delegate) {
        this.delegate = delegate;
    }

    private WebSocket wrap(WebSocket real) {
        QueuedSends current = socket;
        if (current == null || current.real != real) {
            current = new QueuedSends(real);
            socket = current;
        }
        return current;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
        delegate.onBeforeAccept(wrap(webSocket), response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
        opened();
        delegate.onOpen(wrap(webSocket), response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
        delegate.onMessage(wrap(webSocket), text);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
        delegate.onMessage(wrap(webSocket), bytes);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
        delegate.onMessage(wrap(webSocket), bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
        delegate.onClosing(wrap(webSocket), code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
        ended();
        delegate.onClosed(wrap(webSocket), code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
        ended();
        delegate.onFailure(wrap(webSocket), failure, response);
    }

    /** A web socket whose sends are queued and written in order by the shared pool. */
    private static final class QueuedSends implements WebSocket {
        private final WebSocket real;
        private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean draining = new AtomicBoolean();

        QueuedSends(WebSocket real) {
            this.real = real;
        }

        @Override
        public RecordedRequest request() {
            return real.request();
        }

        @Override
        public boolean send(String text) {
            return enqueue(() -> real.send(text));
        }

        @Override
        public boolean send(byte[] bytes) {
            return enqueue(() -> real.send(bytes));
        }

        @Override
        public boolean close(int code, String reason) {
            return real.close(code, reason);
        }

        private boolean enqueue(Runnable write) {
            pending.add(write);
            drain();
            return true;
        }

        private void drain() {
            if (!draining.compareAndSet(false, true)) {
                return;
            }
            WRITERS.execute(() -> {
                try {
                    for (Runnable write = pending.poll(); write != null; write = pending.poll()) {
                        write.run();
                    }
                } finally {
                    draining.set(false);
                    if (!pending.isEmpty()) {
                        drain();
                    }
                }
            });
        }
    }
}
