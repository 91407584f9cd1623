package dev.leasehold.core.testing;

import java.time.Duration;

/**
 * What goes wrong between one candidate and the lock store. Mutable on purpose: a scenario turns faults on
 * and off as it runs. All rates are probabilities per call (or per notification).
 */
public final class Faults {

    /** Each way of a call takes between these two (request to the store, then response back). */
    public volatile Duration minLatency = Duration.ZERO;
    public volatile Duration maxLatency = Duration.ZERO;
    /** The call fails before it reaches the store. */
    public volatile double errorRate;
    /** The call reaches the store (and may write) but its answer is lost: the caller sees a failure. */
    public volatile double lostResponseRate;
    /** The call never completes: no answer, no write. */
    public volatile double hangRate;
    /** The store answers 409 although nothing changed. */
    public volatile double spuriousConflictRate;
    /** A change notification is silently dropped. */
    public volatile double dropNotificationRate;
    /** Cut off: every call hangs and the watch is down. */
    public volatile boolean partitioned;
    /** Each change notification is held back by up to this much more (so it may arrive stale, or reordered). */
    public volatile Duration notificationDelay = Duration.ZERO;
    /** The call reaches the store only {@link #lateApplyDelay} later and its answer never comes back. */
    public volatile double lateApplyRate;
    /** The Retry-After hint a failed call ({@link #errorRate}) carries, as a throttling server sends; null: none. */
    public volatile Duration errorRetryAfter;
    /** How late a late-applied call reaches the store. */
    public volatile Duration lateApplyDelay = Duration.ZERO;

    public Faults latency(Duration min, Duration max) {
        this.minLatency = min;
        this.maxLatency = max;
        return this;
    }

    /** Back to a perfect network with the given latency. */
    public void heal(Duration latency) {
        minLatency = latency;
        maxLatency = latency;
        errorRate = 0;
        lostResponseRate = 0;
        hangRate = 0;
        spuriousConflictRate = 0;
        dropNotificationRate = 0;
        partitioned = false;
        notificationDelay = Duration.ZERO;
        lateApplyRate = 0;
        errorRetryAfter = null;
    }
}
