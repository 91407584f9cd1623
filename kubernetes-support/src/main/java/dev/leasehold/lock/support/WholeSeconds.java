package dev.leasehold.lock.support;

import java.time.Duration;

/** Kubernetes stores lease durations as whole seconds; this refuses to round. */
public final class WholeSeconds {

    /** The granularity every Kubernetes lock reports through {@code ResourceLock.durationGranularity()}. */
    public static final Duration GRANULARITY = Duration.ofSeconds(1);

    private WholeSeconds() {
    }

    /**
     * The duration in whole seconds.
     *
     * @throws IllegalArgumentException when the duration has a fractional second or does not fit an int
     */
    public static int of(String parameter, Duration duration) {
        if (duration.getNano() != 0) {
            throw new IllegalArgumentException(parameter + " must be a whole number of seconds (Kubernetes stores "
                    + "whole seconds and Leasehold does not round), was " + duration);
        }
        if (duration.isNegative() || duration.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(parameter + " must be between 0 and " + Integer.MAX_VALUE
                    + " seconds, was " + duration);
        }
        return (int) duration.getSeconds();
    }
}
