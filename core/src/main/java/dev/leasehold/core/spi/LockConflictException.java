package dev.leasehold.core.spi;

/**
 * Somebody else wrote first: a compare-and-swap found another version, or a create found the object already
 * there. The elector re-reads and decides again; it never retries the same write blindly.
 */
public final class LockConflictException extends LockException {

    public LockConflictException(String message) {
        super(message, null);
    }

    public LockConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
