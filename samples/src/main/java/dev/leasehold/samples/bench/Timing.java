package dev.leasehold.samples.bench;

import java.time.Duration;

/**
 * The three elector settings, written {@code lease/renew/retry} in whole seconds, e.g. {@code 15/10/2}.
 *
 * @param leaseDuration how long followers wait after the last observed change before taking over
 * @param renewDeadline how long a leader keeps leading without a successful renew
 * @param retryPeriod how often the leader renews (and polling followers poll)
 */
public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {

    /** client-go's defaults. */
    public static final Timing DEFAULT = parse("15/10/2");
    /** The fast setting. */
    public static final Timing FAST = parse("4/3/1");

    public Timing {
        if (!(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0
                && !retryPeriod.isNegative() && !retryPeriod.isZero())) {
            throw new IllegalArgumentException("timing must satisfy leaseDuration > renewDeadline > retryPeriod > 0,"
                    + " was " + leaseDuration + "/" + renewDeadline + "/" + retryPeriod);
        }
    }

    /**
     * Parses {@code lease/renew/retry} in whole seconds.
     *
     * @throws IllegalArgumentException naming the value and the expected form
     */
    public static Timing parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 3) {
            throw new IllegalArgumentException("timing must be lease/renew/retry in seconds, e.g. 15/10/2, was \""
                    + text + "\"");
        }
        try {
            return new Timing(Duration.ofSeconds(Long.parseLong(parts[0].trim())),
                    Duration.ofSeconds(Long.parseLong(parts[1].trim())),
                    Duration.ofSeconds(Long.parseLong(parts[2].trim())));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("timing must be lease/renew/retry in whole seconds, e.g. 15/10/2, was \""
                    + text + "\"", e);
        }
    }

    /** {@code 15/10/2}. */
    public String label() {
        return leaseDuration.toSeconds() + "/" + renewDeadline.toSeconds() + "/" + retryPeriod.toSeconds();
    }

    /** {@code 15-10-2}, for object names. */
    public String slug() {
        return label().replace('/', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
