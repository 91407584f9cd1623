package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Reads a Lease annotation's value that must be one JSON object: the start that {@link SyncSet} and
 * {@link MemberList} share.
 */
final class JsonObjects {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonObjects() {
    }

    /**
     * The object {@code text} holds.
     *
     * @param showText whether the "not JSON" message quotes the text (shortened); false where the caller logs it
     * @throws IllegalArgumentException "not JSON" or "not a JSON object"
     */
    static JsonNode read(String text, boolean showText) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(!showText ? "not JSON"
                    : "not JSON: " + (text.length() > 60 ? text.substring(0, 57) + "..." : text));
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return n;
    }
}
