package dev.leasehold.core.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * One read of a lock object: the record it holds and the opaque version to compare-and-swap against.
 *
 * <p>A lock object whose record cannot be parsed (written by a foreign or broken client) still has a version;
 * its {@link #record()} is empty and {@link #unreadableReason()} says why. The elector treats such a lock as
 * held by an unknown holder and waits a full lease duration after its last observed change before taking it.
 *
 * @param record the parsed record, empty when the object holds none or an unreadable one
 * @param version the object's version (for Kubernetes: {@code metadata.resourceVersion}); never empty
 * @param unreadableReason why the record could not be read, empty when it could (or there is none)
 */
public record LockSnapshot(Optional<LeaderElectionRecord> record, String version, Optional<String> unreadableReason) {

    public LockSnapshot {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(unreadableReason, "unreadableReason");
        if (version.isEmpty()) {
            throw new IllegalArgumentException("version must not be empty");
        }
    }

    /** A readable record at a version. */
    public static LockSnapshot of(LeaderElectionRecord record, String version) {
        return new LockSnapshot(Optional.of(record), version, Optional.empty());
    }

    /** An object that exists but carries no leader record yet (e.g. a ConfigMap without the annotation). */
    public static LockSnapshot empty(String version) {
        return new LockSnapshot(Optional.empty(), version, Optional.empty());
    }

    /** An object whose record could not be parsed. */
    public static LockSnapshot unreadable(String version, String reason) {
        return new LockSnapshot(Optional.empty(), version, Optional.of(reason));
    }

    public boolean isUnreadable() {
        return unreadableReason.isPresent();
    }
}
