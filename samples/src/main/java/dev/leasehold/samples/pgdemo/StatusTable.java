package dev.leasehold.samples.pgdemo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The live status table: redrawn in place with ANSI escapes on a terminal; on anything else (a pipe, a file, a
 * test) a row is printed only when what it shows changes (not the WAL position or the counters), so the output
 * stays a readable log.
 */
final class StatusTable {

    /** One member's line. */
    record Row(String member, String role, String term, String timeline, String position, String lag,
            String healthy, String leader, String label, long acks) {

        /** What a plain (non-TTY) log prints a new line for. */
        String shape() {
            return String.join("|", member, role, term, timeline, healthy, leader, label);
        }
    }

    private static final String FORMAT = "%-7s %-9s %4s %3s %-11s %9s %-7s %-7s %-8s %7s";

    private final PrintStream out;
    private final boolean ansi;
    private final long startNanos;
    private int drawnLines;
    private List<String> lastShapes = List.of();

    StatusTable(PrintStream out, boolean ansi, long startNanos) {
        this.out = out;
        this.ansi = ansi;
        this.startNanos = startNanos;
    }

    /** Whether this JVM writes to a terminal that understands ANSI escapes. */
    static boolean terminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }

    private String clock() {
        return String.format(Locale.ROOT, "%6.1fs", (System.nanoTime() - startNanos) / 1e9);
    }

    /** An event line, above the table. */
    synchronized void event(String text) {
        erase();
        out.println(clock() + "  " + text);
        drawnLines = 0;
        out.flush();
    }

    synchronized void draw(List<Row> rows, String footer) {
        List<String> shapes = rows.stream().map(Row::shape).toList();
        if (!ansi) {
            if (!shapes.equals(lastShapes)) {
                for (int i = 0; i < rows.size(); i++) {
                    if (i >= lastShapes.size() || !shapes.get(i).equals(lastShapes.get(i))) {
                        out.println(clock() + "  " + line(rows.get(i)).strip());
                    }
                }
                lastShapes = shapes;
                out.flush();
            }
            return;
        }
        erase();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, FORMAT, "member", "role", "term", "tl", "WAL", "lag", "healthy",
                "leader", "label", "acks"));
        rows.forEach(r -> lines.add(line(r)));
        lines.add(clock() + "  " + footer);
        lines.forEach(out::println);
        drawnLines = lines.size();
        out.flush();
    }

    private static String line(Row r) {
        return String.format(Locale.ROOT, FORMAT, r.member(), r.role(), r.term(), r.timeline(), r.position(),
                r.lag(), r.healthy(), r.leader(), r.label(), r.acks());
    }

    private void erase() {
        if (ansi && drawnLines > 0) {
            out.print("\033[" + drawnLines + "F\033[J");
        }
    }

    /** Leaves the last drawing on the screen: what is printed next goes below it and is never erased. */
    synchronized void release() {
        drawnLines = 0;
    }

    /** The table's header, for the plain log. */
    void header() {
        if (!ansi) {
            out.println(String.format(Locale.ROOT, "%-7s " + FORMAT, "time", "member", "role", "term", "tl", "WAL",
                    "lag", "healthy", "leader", "label", "acks"));
        }
    }
}
