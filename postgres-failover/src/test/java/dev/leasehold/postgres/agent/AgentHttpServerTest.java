package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.agent.AgentHttpServer.Answer;
import dev.leasehold.postgres.agent.AgentHttpServer.Lane;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The transport's limits over real sockets, with a handler that answers each path at once (and {@code /switchover}
 * only when released): the probes' lane is never behind a slow one, the connection cap closes the oldest
 * incomplete request, and each oversized or unsupported request is refused with its reason and closed.
 */
class AgentHttpServerTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    private static AgentHttpServer server(CountDownLatch switchover) {
        return new AgentHttpServer("test", 0, AgentHttp::lane, x -> {
            if (x.path().equals("/switchover")) {
                try {
                    switchover.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Answer.text(200, "answered " + x.method() + " " + x.path());
        });
    }

    private static Socket halfSent(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(50);
        s.getOutputStream().write("GET /health HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return s;
    }

    private static boolean closedByServer(Socket s) {
        return !SlowClients.alive(s);
    }

    @Test
    void atTheConnectionCapANewConnectionClosesTheOldestIncompleteRequest() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (AgentHttpServer server = server(new CountDownLatch(0))) {
            for (int i = 0; i < AgentHttpServer.MAX_CONNECTIONS; i++) {
                held.add(halfSent(server.port()));
            }
            assertThat(closedByServer(held.get(0))).as("the oldest is open while there is room").isFalse();
            RawHttp.Reply probe = RawHttp.send(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(probe.status()).isEqualTo(200);
            await().atMost(BOUND).until(() -> closedByServer(held.get(0)));
            assertThat(closedByServer(held.get(held.size() - 1))).as("the newest stays").isFalse();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void aSwitchoverThatTakesItsTimeDelaysNoProbeAndASecondOneIsRefused() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (AgentHttpServer server = server(release);
                Socket first = new Socket("127.0.0.1", server.port())) {
            first.getOutputStream().write("POST /switchover HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            for (String path : List.of("/health", "/primary", "/replica", "/liveness", "/readiness")) {
                assertThat(RawHttp.send(server.port(), "GET " + path + " HTTP/1.0\r\n\r\n").status()).isEqualTo(200);
            }
            assertThat(RawHttp.send(server.port(), "POST /failsafe HTTP/1.0\r\nContent-Length: 0\r\n\r\n").status())
                    .isEqualTo(200);
            await().atMost(BOUND).untilAsserted(() -> {
                RawHttp.Reply second = RawHttp.send(server.port(), "POST /switchover HTTP/1.0\r\n\r\n");
                assertThat(second.status()).isEqualTo(503);
                assertThat(second.text()).contains("a switchover request is already being answered");
            });
            release.countDown();
            first.setSoTimeout(30_000);
            String answer = new String(first.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200").contains("answered POST /switchover");
        }
    }

    @Test
    void oversizedAndUnsupportedRequestsAreRefusedWithTheirReasonAndClosed() throws Exception {
        try (AgentHttpServer server = server(new CountDownLatch(0))) {
            int port = server.port();
            RawHttp.Reply big = RawHttp.send(port, "POST /failsafe HTTP/1.1\r\nContent-Length: 999999\r\n\r\n{");
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.text()).contains("body of 999999 bytes is longer than " + AgentHttpServer.MAX_BODY);
            RawHttp.Reply chunked = RawHttp.send(port, "POST /failsafe HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\n{}\r\n0\r\n\r\n");
            assertThat(chunked.status()).isEqualTo(501);
            assertThat(chunked.text()).contains("Transfer-Encoding \"chunked\" not accepted");
            RawHttp.Reply head = RawHttp.send(port, "GET /health HTTP/1.1\r\nX: " + "a".repeat(9_000) + "\r\n\r\n");
            assertThat(head.status()).isEqualTo(431);
            assertThat(head.text()).contains("request head longer than " + AgentHttpServer.MAX_HEAD + " bytes");
            RawHttp.Reply h2 = RawHttp.send(port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
            assertThat(h2.status()).isEqualTo(505);
            assertThat(h2.text()).contains("HTTP version \"HTTP/2.0\" not supported");
            RawHttp.Reply control = RawHttp.send(port, "GE\u0000T /health HTTP/1.1\r\n\r\n");
            assertThat(control.status()).isEqualTo(400);
            assertThat(control.text()).contains("malformed request line \"GE\\x00T /health HTTP/1.1\"");
            for (RawHttp.Reply r : List.of(big, chunked, head, h2, control)) {
                assertThat(r.text()).contains("Connection: close");
            }
        }
    }
}
