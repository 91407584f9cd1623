package dev.leasehold.core.spi;

/**
 * Base of the failures a {@link ResourceLock} reports. Inside the elector these are outcomes counted against
 * the renew deadline, never thrown at the user.
 */
public abstract class LockException extends RuntimeException {

    protected LockException(String message, Throwable cause) {
        super(message, cause);
    }
}
