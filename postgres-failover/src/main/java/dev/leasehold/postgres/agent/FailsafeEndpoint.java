package dev.leasehold.postgres.agent;

import static dev.leasehold.postgres.agent.SwitchoverEndpoint.answer;
import static dev.leasehold.postgres.agent.SwitchoverEndpoint.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leasehold.postgres.agent.AgentHttpServer.Answer;
import dev.leasehold.postgres.agent.AgentHttpServer.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /failsafe}: a primary whose renews fail asks this member to promise not to take over. JSON body
 * {@code {"primary": "<member>", "term": N, "windowMs": N}}; when the agents have a switchover token, the request
 * carries it ({@code Authorization: Bearer <token>}: the agents of a cluster share it). Answers, all JSON: 200
 * {@code {"member", "promisedMs"}}; 409 {@code {"error"}} refused, with the reason; 404 failsafe off on this
 * member; 400 malformed body; 401/403 token; 405 another method. See {@link FailsafePromises#confirm}.
 */
final class FailsafeEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 1024;
    private static final Set<String> FIELDS = Set.of("primary", "term", "windowMs");

    private final Agent agent;

    FailsafeEndpoint(Agent agent) {
        this.agent = agent;
    }

    Answer handle(Request x) {
        if (!"POST".equals(x.method())) {
            return answer(405, error("method " + x.method() + " not allowed on /failsafe: use POST"))
                    .with("Allow", "POST");
        }
        if (agent.config().failsafe().isEmpty()) {
            return answer(404, error("failsafe is not enabled on " + agent.name()));
        }
        Optional<Answer> refused = agent.config().switchoverTokenFile()
                .flatMap(file -> SwitchoverEndpoint.refusal(x, file, agent.name()));
        if (refused.isPresent()) {
            return refused.get();
        }
        Ask r;
        try {
            r = read(x.body());
        } catch (IllegalArgumentException e) {
            return answer(400, error("malformed body: " + e.getMessage()));
        }
        FailsafePromises.Answer a = agent.confirmFailsafe(r.primary(), r.term(), Duration.ofMillis(r.windowMs()));
        if (a.status() != 200) {
            return answer(a.status(), error(a.message()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("member", agent.name());
        m.put("promisedMs", a.promised().toMillis());
        return answer(200, m);
    }

    private record Ask(String primary, long term, long windowMs) {
    }

    private static Ask read(byte[] body) {
        if (body.length > MAX_BODY) {
            throw new IllegalArgumentException("longer than " + MAX_BODY + " bytes");
        }
        JsonNode n;
        try {
            n = JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        n.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field \"" + f + "\" (only " + FIELDS + ")");
            }
        });
        JsonNode primary = n.get("primary");
        if (primary == null || !primary.isTextual() || primary.asText().isBlank()) {
            throw new IllegalArgumentException("field primary = " + primary + " must be a member's name");
        }
        JsonNode term = n.get("term");
        if (term == null || !term.canConvertToLong() || !term.isIntegralNumber() || term.asLong() < 0) {
            throw new IllegalArgumentException("field term = " + term + " must be a whole number >= 0");
        }
        JsonNode window = n.get("windowMs");
        if (window == null || !window.isIntegralNumber() || !window.canConvertToLong() || window.asLong() <= 0) {
            throw new IllegalArgumentException("field windowMs = " + window + " must be a positive whole number");
        }
        return new Ask(primary.asText(), term.asLong(), window.asLong());
    }
}
