package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.leasehold.postgres.agent.AgentHttpServer.Answer;
import dev.leasehold.postgres.agent.AgentHttpServer.Request;
import java.io.IOException;
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

    Answer handle(Request x) {
        if (!"POST".equals(x.method())) {
            return answer(405, error("method " + x.method() + " not allowed on /switchover: use POST"))
                    .with("Allow", "POST");
        }
        Optional<Path> tokenFile = agent.config().switchoverTokenFile();
        if (tokenFile.isEmpty()) {
            return answer(404, error("switchover is not enabled"));
        }
        Optional<Answer> refused = refusal(x, tokenFile.get(), agent.name());
        if (refused.isPresent()) {
            return refused.get();
        }
        Optional<String> to;
        try {
            to = target(x);
        } catch (IllegalArgumentException e) {
            return answer(400, error("malformed body: " + e.getMessage()));
        }
        try {
            SwitchoverResult r = agent.switchover(to, agent.config().switchoverTimeout());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", r.from());
            m.put("to", r.to());
            m.put("term", r.term());
            m.put("elapsedMs", r.elapsedMs());
            return answer(200, m);
        } catch (SwitchoverException e) {
            Map<String, Object> m = error(e.getMessage());
            e.primary().ifPresent(p -> m.put("primary", p));
            return answer(e.reason().httpStatus(), m);
        }
    }

    /**
     * Checks header {@code Authorization: Bearer <token>} against the token file (read now, never logged) and
     * gives the refusal (401, 403 or 500) when it does not match.
     */
    static Optional<Answer> refusal(Request x, Path tokenFile, String member) {
        String header = x.header("Authorization");
        if (header == null || !header.startsWith("Bearer ") || header.substring(7).isBlank()) {
            return Optional.of(answer(401, error("missing bearer token (header Authorization: Bearer <token>)")));
        }
        byte[] expected;
        try {
            expected = readToken(tokenFile).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.warn("{}: switchoverTokenFile = {}: cannot read it: {}", member, tokenFile, e.toString());
            return Optional.of(answer(500, error("switchoverTokenFile cannot be read on the agent")));
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (expected.length == 0 || !MessageDigest.isEqual(expected, given)) {
            return Optional.of(answer(403, error("wrong token")));
        }
        return Optional.empty();
    }

    /** The token in {@code tokenFile}, trimmed; read at each use so that it can be rotated. */
    static String readToken(Path tokenFile) throws IOException {
        return Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
    }

    private static Optional<String> target(Request x) {
        if (x.body().length > MAX_BODY) {
            throw new IllegalArgumentException("longer than " + MAX_BODY + " bytes");
        }
        String text = new String(x.body(), StandardCharsets.UTF_8);
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

    static Answer answer(int code, Map<String, Object> m) {
        try {
            return new Answer(code, "application/json", JSON.writeValueAsBytes(m), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + m.keySet() + " as JSON", e);
        }
    }
}
