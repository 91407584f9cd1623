package dev.leasehold.postgres;

/**
 * The server could not be reached, is starting or stopping, or refused our credentials.
 * {@link #kind()} says which, so callers can tell a transient state from a configuration error.
 */
public class PostgresConnectionException extends PostgresException {
    private static final long serialVersionUID = 1L;

    /** Why a connection failed. */
    public enum Kind {
        /** Nothing answered at host:port, or the connection broke. */
        UNREACHABLE,
        /** The server answered that it is starting up, shutting down or in crash recovery. */
        STARTING,
        /** The server rejected the user, the password (pg_hba.conf or authentication) or the database. */
        REJECTED
    }

    private final Kind kind;

    public PostgresConnectionException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
