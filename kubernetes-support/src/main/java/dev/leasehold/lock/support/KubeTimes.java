package dev.leasehold.lock.support;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The two time formats Kubernetes lock records use, written in UTC.
 *
 * <ul>
 *   <li>client-go's annotation record ({@code metav1.Time}): RFC 3339 with whole seconds,
 *       {@code 2006-01-02T15:04:05Z};</li>
 *   <li>{@code MicroTime} (Lease spec, and fabric8's own annotation record): six fractional digits,
 *       {@code 2006-01-02T15:04:05.000000Z}.</li>
 * </ul>
 * Parsing accepts either, any number of fractional digits and any UTC offset, because Go's RFC 3339 parser
 * does too and records written by others vary.
 */
public final class KubeTimes {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSXXX");

    private KubeTimes() {
    }

    /** client-go's annotation format: whole seconds (the fraction is dropped, as client-go does), UTC. */
    public static String formatSeconds(Instant instant) {
        return SECONDS.format(instant.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    }

    /** {@code MicroTime}: microseconds, UTC. */
    public static String formatMicros(Instant instant) {
        return MICROS.format(instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC));
    }

    /**
     * Parses an RFC 3339 timestamp with optional fraction and any offset.
     *
     * @throws IllegalArgumentException naming the text when it is not such a timestamp
     */
    public static Instant parse(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not an RFC 3339 timestamp: \"" + text + "\"", e);
        }
    }
}
