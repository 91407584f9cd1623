package dev.leasehold.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A timeline history file ({@code pg_wal/0000000N.history}): for each earlier timeline, the WAL
 * position where the server switched away from it.
 *
 * @param timeline the timeline this history leads to
 * @param entries earlier timelines in order, each with its switch point
 */
public record TimelineHistory(int timeline, List<Entry> entries) {

    /**
     * @param timeline an earlier timeline
     * @param switchPoint the first position that is not on {@code timeline} any more
     */
    public record Entry(int timeline, Lsn switchPoint) {
    }

    public TimelineHistory {
        entries = List.copyOf(entries);
    }

    /** Parses the file's text; {@code timeline} is the one it belongs to. */
    public static TimelineHistory parse(int timeline, String text) {
        List<Entry> entries = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+", 3);
            if (fields.length < 2) {
                throw new PostgresException("timeline " + timeline + " history line '" + line
                        + "' does not have a timeline and a switch point");
            }
            try {
                entries.add(new Entry(Integer.parseInt(fields[0]), Lsn.parse(fields[1])));
            } catch (IllegalArgumentException e) {
                throw new PostgresException("timeline " + timeline + " history line '" + line + "' is malformed: "
                        + e.getMessage(), e);
            }
        }
        return new TimelineHistory(timeline, entries);
    }

    /** Where the history left {@code earlier}, or empty if {@code earlier} is not an ancestor. */
    public Optional<Lsn> switchPointOf(int earlier) {
        return entries.stream().filter(e -> e.timeline() == earlier).map(Entry::switchPoint).findFirst();
    }
}
