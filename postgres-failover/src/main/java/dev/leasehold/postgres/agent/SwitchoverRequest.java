package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A switchover requested through the Lease annotation {@value ClusterView#SWITCHOVER_REQUEST}: JSON
 * {@code {"to": "<member or empty>", "requestedBy": "...", "requestedAt": "<RFC 3339>"}}. An empty value means
 * no request. The primary acts on a request younger than {@link #MAX_AGE}, once.
 *
 * @param to the member to hand over to; empty for the best one
 * @param requestedBy who asked, for logs
 * @param requestedAt when, by the requester's clock (only compared with {@link #MAX_AGE}, generously)
 */
record SwitchoverRequest(Optional<String> to, String requestedBy, Instant requestedAt) {
    /** A request older than this is ignored: it was meant for a primary of the past. */
    static final Duration MAX_AGE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads an annotation value: empty for "" (no request).
     *
     * @throws IllegalArgumentException naming the field and the value when it is not a request
     */
    static Optional<SwitchoverRequest> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + abbreviate(text));
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(text));
        }
        JsonNode to = n.get("to");
        if (to != null && !to.isNull() && !to.isTextual()) {
            throw new IllegalArgumentException("field to = " + to + " is not a string");
        }
        JsonNode at = n.get("requestedAt");
        if (at == null || !at.isTextual()) {
            throw new IllegalArgumentException("field requestedAt = " + at + " must be an RFC 3339 time");
        }
        Instant when;
        try {
            when = java.time.OffsetDateTime.parse(at.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field requestedAt = \"" + at.asText() + "\" is not an RFC 3339 time");
        }
        JsonNode by = n.get("requestedBy");
        return Optional.of(new SwitchoverRequest(
                to == null || to.isNull() ? Optional.empty() : Optional.of(to.asText()).filter(s -> !s.isBlank()),
                by == null || by.isNull() ? "" : by.asText(), when));
    }

    /** Whether the request is young enough to act on at {@code now}. */
    boolean fresh(Instant now) {
        return Duration.between(requestedAt, now).compareTo(MAX_AGE) < 0;
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
