package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster's promotion history, kept in the Lease annotation {@value #ANNOTATION}: a JSON array of at most
 * {@value #MAX_ENTRIES} entries, oldest first, one per change of primary. The primary appends its entry when it
 * starts serving a term it did not serve before, and carries the array with every renew (the lock's annotations
 * supplier), so the history lives as long as the Lease. Reading is tolerant: a missing value is an empty history,
 * and a value that is not an array of entries is reported (with the value) and read as empty, or with the bad
 * entries left out; never an exception.
 */
public final class AgentHistory {

    /** The Lease annotation that carries the history. */
    public static final String ANNOTATION = "leasehold.dev/history";
    /** The Lease annotation that asks the primary for a switchover (written by {@code leaseholdctl}). */
    public static final String SWITCHOVER_REQUEST = "leasehold.dev/switchover-request";
    /** The most entries kept; older ones are dropped first. */
    public static final int MAX_ENTRIES = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One change of primary.
     *
     * @param term the term the member became primary in
     * @param member the new primary
     * @param timeline its timeline once promoted
     * @param position its WAL position then (e.g. {@code 0/3000060})
     * @param at wall-clock time of the entry, for people
     * @param reason {@code bootstrap}, {@code failover} or {@code switchover}
     */
    public record Entry(long term, String member, int timeline, String position, Instant at, String reason) {
        public Entry {
            Objects.requireNonNull(member, "member");
            position = position == null ? "" : position;
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }

        /** The entry's fields by their JSON names, in the annotation's order. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("term", term);
            m.put("member", member);
            m.put("timeline", timeline);
            m.put("position", position);
            m.put("at", at.toString());
            m.put("reason", reason);
            return m;
        }
    }

    /**
     * What a read found.
     *
     * @param entries the entries that could be read, oldest first
     * @param problem what was wrong with the value, if anything (the value and the reason)
     */
    public record Read(List<Entry> entries, Optional<String> problem) {
        public Read {
            entries = List.copyOf(entries);
            problem = problem == null ? Optional.empty() : problem;
        }
    }

    private AgentHistory() {
    }

    /** The history as the annotation's JSON text. */
    public static String write(List<Entry> entries) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.toMap());
        }
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the history as JSON", e);
        }
    }

    /** Reads the annotation's value; {@code null} or blank is an empty history. Never throws. */
    public static Read read(String text) {
        if (text == null || text.isBlank()) {
            return new Read(List.of(), Optional.empty());
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return new Read(List.of(), Optional.of(ANNOTATION + " is not JSON: " + StatusCodec.abbreviate(text)));
        }
        if (n == null || !n.isArray()) {
            return new Read(List.of(), Optional.of(ANNOTATION + " is not a JSON array: "
                    + StatusCodec.abbreviate(text)));
        }
        List<Entry> entries = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            try {
                entries.add(entry(n.get(i)));
            } catch (IllegalArgumentException e) {
                bad.add("entry " + i + ": " + e.getMessage());
            }
        }
        return new Read(entries, bad.isEmpty() ? Optional.empty()
                : Optional.of(ANNOTATION + ": left out " + String.join("; ", bad)));
    }

    private static Entry entry(JsonNode e) {
        if (e == null || !e.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + e);
        }
        JsonNode term = e.get("term");
        if (term == null || !term.isIntegralNumber() || term.asLong() < 0) {
            throw new IllegalArgumentException("field term = " + term + " is not a term");
        }
        JsonNode timeline = e.get("timeline");
        if (timeline == null || !timeline.isInt()) {
            throw new IllegalArgumentException("field timeline = " + timeline + " is not a 32-bit integer");
        }
        Instant at;
        try {
            at = Instant.parse(text(e, "at"));
        } catch (DateTimeParseException ex) {
            throw new IllegalArgumentException("field at = " + e.get("at") + " is not an RFC 3339 instant");
        }
        JsonNode position = e.get("position");
        return new Entry(term.asLong(), text(e, "member"), timeline.asInt(),
                position != null && position.isTextual() ? position.asText() : "", at, text(e, "reason"));
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("field " + name + " = " + v + " is not a non-empty string");
        }
        return v.asText();
    }

    /** {@code history} with {@code entry} appended, keeping the newest {@value #MAX_ENTRIES}. */
    public static List<Entry> append(List<Entry> history, Entry entry) {
        List<Entry> out = new ArrayList<>(history);
        out.add(entry);
        return List.copyOf(out.subList(Math.max(0, out.size() - MAX_ENTRIES), out.size()));
    }

    /**
     * Why {@code member} became primary, from the Lease it sees: {@code switchover} while a switchover request
     * is pending (for it, or for any member), {@code bootstrap} when neither the history nor the Lease knew a
     * primary before, else {@code failover}.
     */
    static String reason(List<Entry> history, Optional<String> previousHolder, String switchoverRequest,
            String successor, String member) {
        if (member.equals(successor)) {
            return "switchover"; // the previous primary released naming this member
        }
        if (switchoverRequest != null && !switchoverRequest.isBlank()) {
            try {
                JsonNode to = JSON.readTree(switchoverRequest).get("to");
                if (to == null || to.isNull() || to.asText().isEmpty() || to.asText().equals(member)) {
                    return "switchover";
                }
            } catch (JsonProcessingException e) {
                // an unreadable request is no request
            }
        }
        return history.isEmpty() && previousHolder.filter(p -> !p.equals(member)).isEmpty() ? "bootstrap"
                : "failover";
    }
}
