package dev.leasehold.samples.interop;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One line the client-go elector printed: {@code EVENT <name> id=<identity> t_ms=<epoch ms> [key=value ...]}.
 *
 * @param name the event, e.g. {@code started-leading}, {@code released}, {@code stopped-leading}
 * @param identity the client-go candidate's identity
 * @param epochMillis when it happened, by the wall clock of the machine (the same one Java reads)
 * @param fields the other {@code key=value} pairs
 */
public record ClientGoEvent(String name, String identity, long epochMillis, Map<String, String> fields) {

    public ClientGoEvent {
        fields = Map.copyOf(fields);
    }

    /**
     * Parses an {@code EVENT} line; other output (client-go's klog lines go to stderr anyway) is empty.
     *
     * @throws IllegalArgumentException for an {@code EVENT} line without {@code id} or a numeric {@code t_ms},
     *         naming the line
     */
    public static Optional<ClientGoEvent> parse(String line) {
        String[] words = line.trim().split(" ");
        if (words.length < 2 || !words[0].equals("EVENT")) {
            return Optional.empty();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 2; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq > 0) {
                fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
            }
        }
        String id = fields.remove("id");
        String time = fields.remove("t_ms");
        if (id == null || time == null || !time.matches("\\d{1,18}")) {
            throw new IllegalArgumentException("client-go elector line without id= or numeric t_ms=: \"" + line + "\"");
        }
        return Optional.of(new ClientGoEvent(words[1], id, Long.parseLong(time), fields));
    }
}
