package dev.leasehold.core.spi;

/**
 * A transient failure: timeout, connection refused, a 5xx answer, a throttled request. Whether the write
 * landed is unknown. The elector backs off with jitter and retries while its deadlines allow.
 */
public final class LockUnavailableException extends LockException {

    public LockUnavailableException(String message) {
        super(message, null);
    }

    public LockUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
