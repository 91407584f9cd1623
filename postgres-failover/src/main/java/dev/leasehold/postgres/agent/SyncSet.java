package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The synchronous set the primary publishes in the Lease annotation {@value #ANNOTATION}: JSON
 * {@code {"method": "ANY", "count": k, "members": ["pg-1", ...], "strict": bool}}. Every commit the primary
 * acknowledged is on at least {@code count} of {@code members}; {@code count} 0 (or no members) says that no member
 * is known to hold every acknowledged commit. A missing annotation means asynchronous replication.
 *
 * @param method {@code ANY} (quorum; the only method the agent writes) or {@code FIRST}
 * @param count how many members of the set confirm each commit
 * @param members the members, sorted
 * @param strict whether commits wait rather than go asynchronous when too few standbys are healthy
 */
public record SyncSet(String method, int count, List<String> members, boolean strict) {
    /** Lease annotation carrying the set. */
    public static final String ANNOTATION = "leasehold.dev/sync-set";
    private static final ObjectMapper JSON = new ObjectMapper();

    public SyncSet {
        Objects.requireNonNull(method, "method");
        members = List.copyOf(new TreeSet<>(members));
        if (!method.equals("ANY") && !method.equals("FIRST")) {
            throw new IllegalArgumentException("field method = \"" + method + "\" must be ANY or FIRST");
        }
        if (count < 0 || count > members.size()) {
            throw new IllegalArgumentException("field count = " + count + " must be between 0 and the number of"
                    + " members (" + members.size() + ")");
        }
    }

    /** Whether the set proves nothing: no member is known to hold every acknowledged commit. */
    public boolean empty() {
        return count == 0 || members.isEmpty();
    }

    /** How many members' positions a candidate must see (itself included) so that one of them holds every commit. */
    public int readQuorum() {
        return members.size() - count + 1;
    }

    String write() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("count", count);
        m.put("members", members);
        m.put("strict", strict);
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the synchronous set", e);
        }
    }

    /**
     * Reads an annotation value.
     *
     * @throws IllegalArgumentException naming the field and the value
     */
    static SyncSet read(String text) {
        JsonNode n = JsonObjects.read(text, true);
        JsonNode method = n.get("method");
        JsonNode count = n.get("count");
        JsonNode members = n.get("members");
        JsonNode strict = n.get("strict");
        if (method == null || !method.isTextual()) {
            throw new IllegalArgumentException("field method = " + method + " must be \"ANY\" or \"FIRST\"");
        }
        if (count == null || !count.canConvertToInt() || !count.isIntegralNumber()) {
            throw new IllegalArgumentException("field count = " + count + " must be an integer");
        }
        if (members == null || !members.isArray()) {
            throw new IllegalArgumentException("field members = " + members + " must be an array of names");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode m : members) {
            if (!m.isTextual() || m.asText().isBlank()) {
                throw new IllegalArgumentException("field members holds " + m + ", not a member's name");
            }
            names.add(m.asText());
        }
        return new SyncSet(method.asText(), count.asInt(), names, strict != null && strict.asBoolean());
    }
}
