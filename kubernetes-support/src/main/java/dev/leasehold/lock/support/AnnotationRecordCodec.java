package dev.leasehold.lock.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leasehold.core.spi.LeaderElectionRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The leader record kept as JSON in the annotation {@value #ANNOTATION} of a ConfigMap or Endpoints object:
 * the one place both locks read and write it.
 *
 * <h2>What is read</h2>
 * <ul>
 *   <li>client-go's record: {@code holderIdentity}, {@code leaseDurationSeconds} (integer),
 *       {@code acquireTime}/{@code renewTime} (RFC 3339, whole seconds, or {@code null}),
 *       {@code leaderTransitions}, and {@code preferredHolder} where present;</li>
 *   <li>fabric8's own record ({@code io.fabric8...leaderelection.resourcelock.LeaderElectionRecord}, as of
 *       7.8.0): {@code leaseDuration} as an ISO-8601 duration ({@code "PT15S"}), times as {@code MicroTime}
 *       ({@code 2024-01-01T00:00:00.000000Z}), and no {@code holderIdentity} at all after a release (it writes a
 *       null holder and its serializer drops nulls).</li>
 * </ul>
 * Missing or null fields mean: no holder, no time, zero transitions. A held record without any lease duration,
 * a negative number, a field of the wrong type or text that is not a JSON object is a
 * {@link RecordFormatException}.
 *
 * <h2>What is written</h2>
 * A held record is always written in client-go's format. fabric8 7.8.0 cannot read it (its reader rejects the
 * unknown field {@code leaseDurationSeconds} and whole-second times) and client-go cannot read fabric8's (it
 * needs {@code leaseDurationSeconds}), so no held record satisfies both: a fabric8 elector sharing the lock
 * simply fails to read it and stays a follower (safe, but it does not recognise the holder).
 *
 * <p>A <em>released</em> record is the exception: it is written in the shape all readers take as free at once:
 * no {@code holderIdentity} at all (client-go reads it as empty, fabric8 and kubernetes-client/java as null, and
 * kubernetes-client/java takes only a null holder as free), {@code leaseDuration: "PT1S"} (a reader that waits
 * out the record's lease waits a second, as after client-go's own release), {@code MicroTime} times (fabric8
 * requires both) and {@code leaderTransitions}. fabric8 rejects the unknown field {@code leaseDurationSeconds},
 * so it is left out; client-go does not need it once nobody holds the lock. Only releases carry the one-second
 * lease: a held record always carries the holder's real lease duration.
 */
public final class AnnotationRecordCodec {

    /** The annotation client-go and fabric8 keep the record in. */
    public static final String ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /**
     * The lease duration a release carries, as client-go's release does: a reader that ignores an empty holder
     * and waits out the record's lease waits at most this.
     */
    public static final Duration RELEASED_LEASE = Duration.ofSeconds(1);
    /** The longest lease duration a record may carry: Kubernetes keeps seconds in an int32. */
    static final Duration MAX_LEASE = Duration.ofSeconds(Integer.MAX_VALUE);

    private AnnotationRecordCodec() {
    }

    /** The JSON to store: client-go's format for a held record, the portable release for a released one. */
    public static String write(LeaderElectionRecord record, Instant now) {
        int seconds = WholeSeconds.of("leaseDuration", record.leaseDuration());
        ObjectNode node = MAPPER.createObjectNode();
        if (record.isReleased()) {
            // no holder at all, a one-second lease and both times: every reader sees it free (see the class
            // comment); only a release carries the one-second lease, never a held record
            node.put("leaseDuration", RELEASED_LEASE.toString());
            node.put("acquireTime", KubeTimes.formatMicros(record.acquireTime().orElse(now)));
            node.put("renewTime", KubeTimes.formatMicros(record.renewTime().orElse(now)));
        } else {
            node.put("holderIdentity", record.holderIdentity());
            node.put("leaseDurationSeconds", seconds);
            putTime(node, "acquireTime", record.acquireTime());
            putTime(node, "renewTime", record.renewTime());
        }
        node.put("leaderTransitions", record.leaderTransitions());
        record.preferredHolder().ifPresent(p -> node.put("preferredHolder", p));
        return node.toString();
    }

    private static void putTime(ObjectNode node, String field, Optional<Instant> time) {
        if (time.isPresent()) {
            node.put(field, KubeTimes.formatSeconds(time.get()));
        } else {
            node.putNull(field);
        }
    }

    /**
     * Parses a record written by client-go, fabric8 or Leasehold.
     *
     * @throws RecordFormatException naming the field and the value when it cannot
     */
    public static LeaderElectionRecord read(String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new RecordFormatException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new RecordFormatException("not a JSON object: " + abbreviate(json));
        }
        String holder = text(node, "holderIdentity").orElse("");
        Optional<Duration> duration = duration(node);
        if (duration.isEmpty() && !holder.isEmpty()) {
            throw new RecordFormatException("holder \"" + holder
                    + "\" but neither leaseDurationSeconds nor leaseDuration");
        }
        long transitions = integer(node, "leaderTransitions").orElse(0L);
        if (transitions < 0) {
            throw new RecordFormatException("leaderTransitions is negative: " + transitions);
        }
        return new LeaderElectionRecord(holder, duration.orElse(Duration.ZERO), time(node, "acquireTime"),
                time(node, "renewTime"), transitions, text(node, "preferredHolder"));
    }

    private static Optional<Duration> duration(JsonNode node) {
        Optional<Long> seconds = integer(node, "leaseDurationSeconds");
        Optional<Duration> result;
        if (seconds.isPresent()) {
            result = Optional.of(Duration.ofSeconds(seconds.get()));
        } else {
            JsonNode iso = node.get("leaseDuration");
            if (iso == null || iso.isNull()) {
                result = Optional.empty();
            } else if (iso.isTextual()) {
                try {
                    result = Optional.of(Duration.parse(iso.asText()));
                } catch (DateTimeParseException | ArithmeticException e) {
                    throw new RecordFormatException("leaseDuration is not an ISO-8601 duration: \"" + iso.asText()
                            + "\"");
                }
            } else if (iso.isNumber()) {
                result = Optional.of(numericSeconds(iso));
            } else {
                throw new RecordFormatException("leaseDuration is neither a string nor a number: " + iso);
            }
        }
        if (result.isPresent() && result.get().isNegative()) {
            throw new RecordFormatException("lease duration is negative: " + result.get());
        }
        if (result.isPresent() && result.get().compareTo(MAX_LEASE) > 0) {
            throw new RecordFormatException("lease duration " + result.get() + " is out of range (at most "
                    + MAX_LEASE.getSeconds() + " s, Kubernetes' int32 seconds)");
        }
        return result;
    }

    /**
     * Jackson's numeric form of a Duration: seconds with an optional fraction of at most nine digits, parsed
     * exactly (a value that does not fit is an error, never wrapped around or rounded).
     */
    private static Duration numericSeconds(JsonNode value) {
        BigDecimal seconds = value.decimalValue();
        if (seconds.signum() < 0) {
            throw new RecordFormatException("leaseDuration is negative: " + value);
        }
        if (seconds.compareTo(BigDecimal.valueOf(MAX_LEASE.getSeconds())) > 0) {
            throw new RecordFormatException("leaseDuration " + value + " s is out of range (at most "
                    + MAX_LEASE.getSeconds() + " s, Kubernetes' int32 seconds)");
        }
        try {
            return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
        } catch (ArithmeticException e) {
            throw new RecordFormatException("leaseDuration " + value + " s has more than nine fractional digits");
        }
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new RecordFormatException(field + " is not a string: " + value);
        }
        return Optional.of(value.asText());
    }

    private static Optional<Long> integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new RecordFormatException(field + " is not an integer within the range of a long: " + value);
        }
        return Optional.of(value.asLong());
    }

    private static Optional<Instant> time(JsonNode node, String field) {
        Optional<String> text = text(node, field);
        if (text.isEmpty() || text.get().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(KubeTimes.parse(text.get()));
        } catch (IllegalArgumentException e) {
            throw new RecordFormatException(field + " is " + e.getMessage());
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
