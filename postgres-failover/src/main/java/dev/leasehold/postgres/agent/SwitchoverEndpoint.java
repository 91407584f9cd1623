package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /switchover} on the primary's agent: header {@code Authorization: Bearer <token>}, JSON body
 * {@code {"to": "<member>"}} ({@code to} absent or null: the best standby; an empty body counts as {@code {}}).
 * Off unless {@code switchoverTokenFile} is set (404). Answers, all JSON: 200 {@code {"from", "to", "term",
 * "elapsedMs"}} once the target holds the Lease and accepts writes; 401 no token; 403 wrong token; 404 unknown
 * member; 409 ineligible target or this member is not the primary (then also {@code "primary"}); 400 malformed
 * body; 405 another method; 504 timed out. The token file is read at each request and never logged.
 */
final class SwitchoverEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchoverEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 4096;

    private final Agent agent;

    SwitchoverEndpoint(Agent agent) {
        this.agent = agent;
    }

    void handle(HttpExchange x) throws IOException {
        if (!"POST".equals(x.getRequestMethod())) {
            x.getResponseHeaders().add("Allow", "POST");
            answer(x, 405, error("method " + x.getRequestMethod() + " not allowed on /switchover: use POST"));
            return;
        }
        Optional<Path> tokenFile = agent.config().switchoverTokenFile();
        if (tokenFile.isEmpty()) {
            answer(x, 404, error("switchover is not enabled"));
            return;
        }
        if (!authorized(x, tokenFile.get(), agent.name())) {
            return;
        }
        Optional<String> to;
        try {
            to = target(x);
        } catch (IllegalArgumentException e) {
            answer(x, 400, error("malformed body: " + e.getMessage()));
            return;
        }
        try {
            SwitchoverResult r = agent.switchover(to, agent.config().switchoverTimeout());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", r.from());
            m.put("to", r.to());
            m.put("term", r.term());
            m.put("elapsedMs", r.elapsedMs());
            answer(x, 200, m);
        } catch (SwitchoverException e) {
            Map<String, Object> m = error(e.getMessage());
            e.primary().ifPresent(p -> m.put("primary", p));
            answer(x, e.reason().httpStatus(), m);
        }
    }

    /**
     * Checks header {@code Authorization: Bearer <token>} against the token file (read now, never logged) and
     * answers 401, 403 or 500 itself when it does not match.
     */
    static boolean authorized(HttpExchange x, Path tokenFile, String member) throws IOException {
        String header = x.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ") || header.substring(7).isBlank()) {
            answer(x, 401, error("missing bearer token (header Authorization: Bearer <token>)"));
            return false;
        }
        byte[] expected;
        try {
            expected = readToken(tokenFile).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.warn("{}: switchoverTokenFile = {}: cannot read it: {}", member, tokenFile, e.toString());
            answer(x, 500, error("switchoverTokenFile cannot be read on the agent"));
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (expected.length == 0 || !MessageDigest.isEqual(expected, given)) {
            answer(x, 403, error("wrong token"));
            return false;
        }
        return true;
    }

    /** The token in {@code tokenFile}, trimmed; read at each use so that it can be rotated. */
    static String readToken(Path tokenFile) throws IOException {
        return Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
    }

    private static Optional<String> target(HttpExchange x) throws IOException {
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            throw new IllegalArgumentException("longer than " + MAX_BODY + " bytes");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        var fields = n.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!f.equals("to")) {
                throw new IllegalArgumentException("unknown field \"" + f + "\" (only \"to\")");
            }
        }
        JsonNode to = n.get("to");
        if (to == null || to.isNull()) {
            return Optional.empty();
        }
        if (!to.isTextual() || to.asText().isBlank()) {
            throw new IllegalArgumentException("field to = " + to + " must be a member's name or null");
        }
        return Optional.of(to.asText());
    }

    static Map<String, Object> error(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        return m;
    }

    static void answer(HttpExchange x, int code, Map<String, Object> m) throws IOException {
        byte[] body = JSON.writeValueAsBytes(m);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(code, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }
}
