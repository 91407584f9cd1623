package dev.leasehold.postgres.agent;

import static dev.leasehold.postgres.agent.AgentHttpServer.MAX_BODY;
import static dev.leasehold.postgres.agent.AgentHttpServer.MAX_HEAD;

import dev.leasehold.postgres.agent.AgentHttpServer.Answer;
import dev.leasehold.postgres.agent.AgentHttpServer.Request;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one HTTP/1.0 or 1.1 request from the bytes received so far: a pure function, so that garbage can be
 * thrown at it in tests. A refusal names what it refused and, where it is the client's text, shows it (cut short
 * and with control characters escaped).
 */
final class HttpRequestParser {
    private static final int SHOWN = 60;

    /** A complete request, a refusal, or neither (more bytes are needed). */
    record Result(Request request, Answer refusal) {
        static final Result MORE = new Result(null, null);

        static Result refuse(int status, String why) {
            return new Result(null, Answer.text(status, why));
        }
    }

    private HttpRequestParser() {
    }

    /**
     * Parses {@code buf[0, length)}.
     *
     * @param full whether the buffer can take no more bytes
     */
    static Result parse(byte[] buf, int length, boolean full) {
        int headEnd = headEnd(buf, Math.min(length, MAX_HEAD + 4));
        if (headEnd < 0) {
            return length >= MAX_HEAD || full ? Result.refuse(431, "request head longer than " + MAX_HEAD
                    + " bytes: closing") : Result.MORE;
        }
        String head = new String(buf, 0, headEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r?\n", -1);
        String[] start = lines[0].split(" ", -1);
        if (start.length != 3 || !start[0].matches("[A-Z]{1,16}") || start[1].isEmpty()) {
            return Result.refuse(400, "malformed request line \"" + shown(lines[0]) + "\" (want METHOD /path"
                    + " HTTP/1.1)");
        }
        if (!start[2].equals("HTTP/1.1") && !start[2].equals("HTTP/1.0")) {
            return Result.refuse(505, "HTTP version \"" + shown(start[2]) + "\" not supported (HTTP/1.0, HTTP/1.1)");
        }
        String target = start[1];
        if (!target.startsWith("/")) {
            return Result.refuse(400, "request target \"" + shown(target) + "\" must be a path starting with /");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 1 || !line.substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                return Result.refuse(400, "malformed header line \"" + shown(line) + "\" (want Name: value)");
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            String before = headers.put(name, value);
            if (name.equals("content-length") && before != null && !before.equals(value)) {
                return Result.refuse(400, "two different Content-Length headers (" + shown(before) + ", "
                        + shown(value) + ")");
            }
        }
        if (headers.containsKey("transfer-encoding")) {
            return Result.refuse(501, "Transfer-Encoding \"" + shown(headers.get("transfer-encoding"))
                    + "\" not accepted: send the body with Content-Length");
        }
        long bodyLength = 0;
        String cl = headers.get("content-length");
        if (cl != null) {
            if (!cl.matches("[0-9]{1,10}")) {
                return Result.refuse(400, "Content-Length \"" + shown(cl) + "\" is not a byte count");
            }
            bodyLength = Long.parseLong(cl);
            if (bodyLength > MAX_BODY) {
                return Result.refuse(413, "body of " + bodyLength + " bytes is longer than " + MAX_BODY + " bytes");
            }
        }
        int bodyStart = headEnd + (buf[headEnd] == '\r' ? 4 : 2);
        if (length - bodyStart < bodyLength) {
            return full ? Result.refuse(413, "request longer than the buffer") : Result.MORE;
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        return new Result(new Request(start[0], path, query, start[2], headers,
                Arrays.copyOfRange(buf, bodyStart, bodyStart + (int) bodyLength)), null);
    }

    /** The index of the blank line that ends the head ({@code \r\n\r\n} or {@code \n\n}), or -1. */
    private static int headEnd(byte[] buf, int length) {
        for (int i = 0; i + 1 < length; i++) {
            if (buf[i] == '\n' && buf[i + 1] == '\n') {
                return i;
            }
            if (i + 3 < length && buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The client's text as shown in a refusal: at most {@value #SHOWN} characters, control characters escaped. */
    static String shown(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < SHOWN; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0x7e) {
                b.append(String.format(Locale.ROOT, "\\x%02x", (int) c & 0xff));
            } else {
                b.append(c);
            }
        }
        return text.length() > SHOWN ? b + "..." : b.toString();
    }
}
