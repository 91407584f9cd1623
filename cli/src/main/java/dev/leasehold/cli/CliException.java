package dev.leasehold.cli;

/** A failure the user can act on: printed as one line on stderr, with the exit code. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit code: the request could not be carried out (no cluster, no permission, unknown member, API trouble). */
    static final int FAILED = 1;
    /** Exit code: a switchover was asked for and did not happen in time. */
    static final int TIMED_OUT = 3;

    private final int exitCode;

    CliException(String message) {
        this(message, FAILED);
    }

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
