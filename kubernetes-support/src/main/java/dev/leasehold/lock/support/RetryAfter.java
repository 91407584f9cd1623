package dev.leasehold.lock.support;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110: whole seconds, or an HTTP date) as whole seconds from now.
 * What the elector does with it is in {@link dev.leasehold.core.spi.LockUnavailableException}.
 */
final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * The seconds to wait, or empty when the header is absent or neither form (a negative number, for one: an
     * unreadable value stays in the error message only); a date in the past is zero, more than {@code int} seconds
     * is {@code Integer.MAX_VALUE}.
     */
    static Optional<Integer> seconds(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String value = header.trim();
        if (value.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of((int) Math.min(Integer.MAX_VALUE, Long.parseLong(value)));
            } catch (NumberFormatException e) {
                return Optional.of(Integer.MAX_VALUE); // more digits than a long holds
            }
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            long left = Math.max(0, at.getEpochSecond() - now.getEpochSecond());
            return Optional.of((int) Math.min(Integer.MAX_VALUE, left));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
