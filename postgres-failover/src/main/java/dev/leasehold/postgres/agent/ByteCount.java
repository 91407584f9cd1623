package dev.leasehold.postgres.agent;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte count as PostgreSQL and Patroni write one: a whole number, optionally followed by a unit {@code B},
 * {@code kB}, {@code MB}, {@code GB} or {@code TB} (powers of 1024, case as PostgreSQL spells them), such as
 * {@code 1048576}, {@code 1024kB} or {@code 1MB}.
 */
final class ByteCount {
    private static final Pattern FORM = Pattern.compile("([0-9]{1,19})(B|kB|MB|GB|TB)?");

    private ByteCount() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming {@code what} and the text when it is not a byte count, or when it
     *     does not fit 63 bits
     */
    static long parse(String what, String text) {
        Matcher m = text == null ? null : FORM.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(what + "=" + text + " is not a byte count (a whole number >= 0,"
                    + " optionally with a unit B, kB, MB, GB or TB: 1048576, 1024kB, 1MB)");
        }
        int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "kB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            case "TB" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (Long.numberOfLeadingZeros(n) <= shift) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s=%s is more bytes than this agent"
                    + " counts (at most %d)", what, text, Long.MAX_VALUE));
        }
    }
}
