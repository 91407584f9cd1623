package dev.leasehold.postgres.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One request written as bytes to a socket, as a load balancer's health check or a hostile client sends it. */
final class RawHttp {
    /** The status code and the whole answer as text. */
    record Reply(int status, String text) {
    }

    private RawHttp() {
    }

    /**
     * Sends {@code request} as it is to 127.0.0.1:{@code port} and reads until the server closes.
     *
     * @throws UncheckedIOException when the server does not answer within 10 s, or answers what is not HTTP
     */
    static Reply send(int port, byte[] request) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
            String text = got.toString(StandardCharsets.ISO_8859_1);
            if (!text.matches("(?s)HTTP/1\\.[01] [0-9]{3} .*")) {
                throw new IOException("not an HTTP answer: " + text);
            }
            return new Reply(Integer.parseInt(text.substring(9, 12)), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Reply send(int port, String request) {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }
}
