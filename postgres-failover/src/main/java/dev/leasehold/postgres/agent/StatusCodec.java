package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leasehold.postgres.Lsn;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A member's status as the JSON in its pod's annotation {@value #ANNOTATION}. Reading is strict: a status that
 * lacks a field or carries a value of the wrong kind is rejected with the field and the value named, and the
 * agent then ignores that member (and logs why, once per change).
 */
public final class StatusCodec {

    /** The pod annotation that carries a member's status. */
    public static final String ANNOTATION = "leasehold.dev/status";

    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusCodec() {
    }

    public static String write(MemberStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("role", s.role().name().toLowerCase(Locale.ROOT));
        m.put("healthy", s.healthy());
        m.put("timeline", s.timeline());
        m.put("position", s.position().map(Lsn::toString).orElse(null));
        m.put("upstream", s.upstream().orElse(null));
        m.put("nofailover", s.noFailover());
        m.put("priority", s.priority());
        m.put("host", s.host());
        m.put("port", s.port());
        m.put("systemId", s.systemId().orElse(null));
        m.put("heartbeat", s.heartbeat());
        m.put("agentVersion", s.agentVersion());
        m.put("sampledAt", s.sampledAt().toString());
        if (s.agentPort() > 0) {
            m.put("agentPort", s.agentPort());
        }
        s.freeLease().ifPresent(v -> m.put("freeLease", v));
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a member status as JSON", e);
        }
    }

    /**
     * Reads a status.
     *
     * @throws IllegalArgumentException naming the field and the value when the text is not a status
     */
    public static MemberStatus read(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + abbreviate(text));
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(text));
        }
        String roleText = text(n, "role");
        MemberStatus.Role role;
        try {
            role = MemberStatus.Role.valueOf(roleText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field role = \"" + roleText + "\" is not a role");
        }
        Optional<Lsn> position = optionalText(n, "position").map(p -> {
            try {
                return Lsn.parse(p);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("field position: " + e.getMessage());
            }
        });
        Instant sampledAt;
        try {
            sampledAt = Instant.parse(text(n, "sampledAt"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field sampledAt = \"" + n.get("sampledAt").asText()
                    + "\" is not an ISO-8601 instant");
        }
        int port = integer(n, "port");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("field port = " + port + " is not a port");
        }
        return new MemberStatus(text(n, "name"), role, bool(n, "healthy"), integer(n, "timeline"), position,
                optionalText(n, "upstream"), bool(n, "nofailover"), integer(n, "priority"), text(n, "host"), port,
                optionalText(n, "systemId"), number(n, "heartbeat"), text(n, "agentVersion"), sampledAt,
                agentPort(n), optionalText(n, "freeLease"));
    }

    /** Optional (agents before failsafe did not write it): 0 when absent. */
    private static int agentPort(JsonNode n) {
        JsonNode v = n.get("agentPort");
        if (v == null || v.isNull()) {
            return 0;
        }
        int port = integer(n, "agentPort");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("field agentPort = " + port + " is not a port");
        }
        return port;
    }

    private static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("field " + name + " is missing");
        }
        return v;
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field " + name + " = " + v + " is not a string");
        }
        return v.asText();
    }

    private static Optional<String> optionalText(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(text(n, name));
    }

    private static boolean bool(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("field " + name + " = " + v + " is not true or false");
        }
        return v.asBoolean();
    }

    private static int integer(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isInt()) {
            throw new IllegalArgumentException("field " + name + " = " + v + " is not a 32-bit integer");
        }
        return v.asInt();
    }

    private static long number(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("field " + name + " = " + v + " is not an integer");
        }
        return v.asLong();
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= 80 ? "\"" + text + "\"" : "\"" + text.substring(0, 77) + "...\"";
    }
}
