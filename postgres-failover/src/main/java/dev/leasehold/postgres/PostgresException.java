package dev.leasehold.postgres;

/**
 * A PostgreSQL operation failed: a command exited badly, the server refused a statement, or a
 * precondition did not hold. The message names the instance, the operation and the value involved.
 */
public class PostgresException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PostgresException(String message) {
        super(message);
    }

    public PostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}
