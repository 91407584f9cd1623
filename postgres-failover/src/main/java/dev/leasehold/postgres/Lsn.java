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

    /**
     * Bytes from {@code other} to this position: positive when this is ahead, negative when behind, with the sign
     * of {@link #compareTo}. Both are read as unsigned 64-bit numbers; a distance that does not fit a {@code long}
     * (2^63 bytes or more, which only a forged or corrupt position can be) saturates at {@link Long#MAX_VALUE}
     * or {@link Long#MIN_VALUE} instead of wrapping to the other sign.
     */
    public long minus(Lsn other) {
        if (compareTo(other) >= 0) {
            long ahead = value - other.value; // exact as an unsigned number
            return ahead < 0 ? Long.MAX_VALUE : ahead;
        }
        long behind = other.value - value;
        return behind < 0 ? Long.MIN_VALUE : -behind;
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
