package dev.leasehold.postgres.leash;

/** The guard process could not be started or did not answer in time; the message names the command and why. */
public final class GuardStartException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    GuardStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
