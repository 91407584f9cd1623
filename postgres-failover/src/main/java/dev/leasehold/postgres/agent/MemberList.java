package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The members a failsafe-enabled primary knows, published with its renews (Lease annotation
 * {@value ClusterView#MEMBERS}, JSON {@code {"members": [...], "offListAfterMs": N}}). The failsafe asks exactly
 * these; a member that is not on the list therefore made no promise, and may take the Lease only once the
 * primary that wrote the list cannot be writable on the failsafe any more: after the Lease has been free for
 * {@code offListAfter} (the primary's {@code failsafeLimit} plus its fence, stretched by the clock drift).
 *
 * @param names the members' names (the primary's included)
 * @param offListAfter how long the Lease must have been free before a member not on the list may take it
 */
public record MemberList(Set<String> names, Duration offListAfter) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    public MemberList {
        names = Set.copyOf(new TreeSet<>(names));
        Objects.requireNonNull(offListAfter, "offListAfter");
    }

    /** The annotation's value. */
    String write() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("members", new TreeSet<>(names));
        m.put("offListAfterMs", offListAfter.toMillis());
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the member list", e);
        }
    }

    /**
     * Reads the annotation's value.
     *
     * @throws IllegalArgumentException naming the field and the value when it is not a member list
     */
    static MemberList read(String text) {
        JsonNode n = JsonObjects.read(text, false); // ClusterView logs the text beside the message
        JsonNode members = n.get("members");
        if (members == null || !members.isArray()) {
            throw new IllegalArgumentException("field members = " + members + " is not a list of names");
        }
        Set<String> names = new TreeSet<>();
        for (JsonNode m : members) {
            if (!m.isTextual() || !NAME.matcher(m.asText()).matches() || m.asText().length() > 253) {
                throw new IllegalArgumentException("field members: " + m + " is not a member name");
            }
            names.add(m.asText());
        }
        JsonNode after = n.get("offListAfterMs");
        if (after == null || !after.isIntegralNumber() || after.asLong() < 0) {
            throw new IllegalArgumentException("field offListAfterMs = " + after + " is not a whole number >= 0");
        }
        return new MemberList(names, Duration.ofMillis(after.asLong()));
    }
}
