package dev.leasehold.postgres.agent;

import java.util.Optional;

/**
 * A switchover that was refused or did not finish; {@link #reason()} says which, in the terms of the HTTP
 * answer {@code POST /switchover} gives for it.
 */
public final class SwitchoverException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a switchover did not happen. */
    public enum Reason {
        /** The named member is not a member of the cluster (HTTP 404). */
        UNKNOWN_MEMBER(404),
        /** The target cannot take over, or this member is not the primary (HTTP 409). */
        CONFLICT(409),
        /** The target did not become the writable primary in time (HTTP 504). */
        TIMED_OUT(504);

        private final int httpStatus;

        Reason(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Reason reason;
    private final transient Optional<String> primary;

    public SwitchoverException(Reason reason, String message, Optional<String> primary) {
        super(message);
        this.reason = reason;
        this.primary = primary == null ? Optional.empty() : primary;
    }

    public Reason reason() {
        return reason;
    }

    /** The primary as this member knows it, when the refusal is that this member is not the primary. */
    public Optional<String> primary() {
        return primary;
    }
}
