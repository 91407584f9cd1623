package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The few fields of a stopped server's {@code global/pg_control} that decide whether it can follow a
 * new primary without a rewind. Read directly from the file because {@code pg_controldata} is not in
 * every PostgreSQL distribution (the Maven-delivered binaries lack it).
 *
 * <p>Layout: {@code ControlFileData} of PostgreSQL 13 to 17 (pg_control versions 1300 and 1700),
 * native byte order (little-endian on the platforms we support). Other versions are refused, and the
 * caller then treats the instance as diverged, which is the safe answer.
 *
 * @param systemIdentifier the cluster's system identifier; differs between unrelated clusters
 * @param controlVersion {@code pg_control_version}
 * @param state the cluster state at the last control file update
 * @param checkpoint location of the latest checkpoint record (for a clean shutdown: the shutdown
 *     checkpoint, the last record the server wrote)
 * @param checkpointTimeline timeline of the latest checkpoint
 * @param minRecoveryPoint how far a standby had replayed (0/0 for a primary)
 * @param minRecoveryPointTimeline its timeline
 */
public record PgControl(long systemIdentifier, int controlVersion, DbState state, Lsn checkpoint,
        int checkpointTimeline, Lsn minRecoveryPoint, int minRecoveryPointTimeline) {

    /** {@code DBState} from pg_control.h, in its numeric order. */
    public enum DbState {
        STARTING_UP, SHUT_DOWN, SHUT_DOWN_IN_RECOVERY, SHUTTING_DOWN, IN_CRASH_RECOVERY, IN_ARCHIVE_RECOVERY,
        IN_PRODUCTION
    }

    /** Whether the server stopped cleanly (its WAL ends at the recorded checkpoint or recovery point). */
    public boolean cleanlyShutDown() {
        return state == DbState.SHUT_DOWN || state == DbState.SHUT_DOWN_IN_RECOVERY;
    }

    /** The timeline the server's WAL ends on. */
    public int timeline() {
        return Math.max(checkpointTimeline, minRecoveryPointTimeline);
    }

    /** Reads {@code <dataDir>/global/pg_control}. */
    public static PgControl read(Path dataDir) {
        Path file = dataDir.resolve("global").resolve("pg_control");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PostgresException("cannot read " + file + ": " + e, e);
        }
        if (bytes.length < 160) {
            throw new PostgresException(file + " is too short (" + bytes.length + " bytes) to be a pg_control file");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        int version = b.getInt(8);
        if (version != 1300 && version != 1700) {
            throw new PostgresException(file + " has pg_control version " + version
                    + "; only 1300 (PostgreSQL 13-16) and 1700 (PostgreSQL 17) are understood");
        }
        int stateCode = b.getInt(16);
        if (stateCode < 0 || stateCode >= DbState.values().length) {
            throw new PostgresException(file + " has unknown cluster state " + stateCode);
        }
        return new PgControl(b.getLong(0), version, DbState.values()[stateCode], new Lsn(b.getLong(32)),
                b.getInt(48), new Lsn(b.getLong(136)), b.getInt(144));
    }
}
