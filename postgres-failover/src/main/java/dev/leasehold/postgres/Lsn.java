package dev.leasehold.postgres;

import java.util.Locale;

/**
 * A PostgreSQL WAL position ({@code pg_lsn}), such as {@code 16/B374D848}.
 *
 * <p>Ordered as unsigned 64-bit numbers, as the server orders them.
 *
 * @param value the position as an unsigned 64-bit number
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** The invalid position {@code 0/0}, which PostgreSQL uses for "none". */
    public static final Lsn ZERO = new Lsn(0);

    /**
     * Parses the server's text form {@code XXXXXXXX/XXXXXXXX} (hexadecimal, each half up to 8 digits).
     *
     * @throws IllegalArgumentException naming the text when it is not an LSN
     */
    public static Lsn parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("LSN must not be null");
        }
        int slash = text.indexOf('/');
        if (slash < 1 || slash > 8 || text.length() - slash - 1 < 1 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("LSN '" + text + "' is not of the form XXXXXXXX/XXXXXXXX");
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LSN '" + text + "' is not hexadecimal XXXXXXXX/XXXXXXXX", e);
        }
    }

    /** Like {@link #parse} but maps SQL NULL to {@code null}. */
    static Lsn parseNullable(String text) {
        return text == null ? null : parse(text);
    }

    /** Bytes from {@code other} to this position: positive when this is ahead. */
    public long minus(Lsn other) {
        return value - other.value;
    }

    /** Whether this position is strictly after {@code other}. */
    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
