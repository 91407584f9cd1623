package dev.leasehold.lock.support;

/** A lock record on a Kubernetes object could not be read; the message says which field and why. */
public final class RecordFormatException extends RuntimeException {

    public RecordFormatException(String message) {
        super(message);
    }

    public RecordFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
