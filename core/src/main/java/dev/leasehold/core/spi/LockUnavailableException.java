package dev.leasehold.core.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * A transient failure: timeout, connection refused, a 5xx answer, a throttled request. Whether the write
 * landed is unknown. The elector backs off with jitter and retries while its deadlines allow.
 *
 * <p>A lock whose server said how long to stay away (an HTTP 429 or 503 with {@code Retry-After}) passes that as
 * {@link #retryAfter()}. The elector then waits at least that long before its next call, capped at four retry
 * periods and at the lease duration, so a throttling server cannot hold a follower back indefinitely. A leader
 * waits no longer than leaves time for one more call before its renew deadline; it still steps down at the
 * deadline whatever the server says.
 */
public final class LockUnavailableException extends LockException {

    private final Duration retryAfter;

    public LockUnavailableException(String message) {
        super(message, null);
        this.retryAfter = null;
    }

    public LockUnavailableException(String message, Throwable cause) {
        super(message, cause);
        this.retryAfter = null;
    }

    /**
     * A failure with the server's hint of how long to wait before the next call.
     *
     * @param retryAfter the server's hint, zero or positive; null for none
     */
    public LockUnavailableException(String message, Throwable cause, Duration retryAfter) {
        super(message, cause);
        if (retryAfter != null && retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter = " + retryAfter + " must be zero or positive");
        }
        this.retryAfter = retryAfter;
    }

    /** How long the server asked callers to wait before the next call, if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
