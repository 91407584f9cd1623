package dev.leasehold.postgres;

import java.util.List;
import java.util.Optional;

/**
 * What one look at an instance showed. When the server could not be asked ({@link State#UNREACHABLE},
 * {@link State#STARTING}, {@link State#REJECTED}), only {@link #problem()} is set and the positions are
 * empty: a state to act on, not an exception.
 *
 * @param state primary, standby, or why we could not tell
 * @param timeline the timeline the server writes (primary) or receives/replays (standby); 0 if unknown
 * @param currentLsn a primary's current write position
 * @param receiveLsn a standby's last received and flushed position
 * @param replayLsn a standby's last replayed position
 * @param upstream a standby's WAL receiver, when it is streaming or trying to
 * @param replicas replication connections a primary (or cascading standby) serves
 * @param serverVersion {@code server_version_num}, 0 if unknown
 * @param problem why the server could not be asked, empty otherwise
 */
public record PostgresStatus(State state, int timeline, Optional<Lsn> currentLsn, Optional<Lsn> receiveLsn,
        Optional<Lsn> replayLsn, Optional<WalReceiver> upstream, List<ReplicationConnection> replicas,
        int serverVersion, Optional<String> problem) {

    /** What the instance is, or why we could not tell. */
    public enum State {
        /** Accepts writes (not in recovery). */
        PRIMARY,
        /** In recovery: a standby. */
        STANDBY,
        /** Answered that it is starting up, shutting down or recovering from a crash. */
        STARTING,
        /** Nothing answered, or the connection broke. */
        UNREACHABLE,
        /** Answered but refused our user or password. */
        REJECTED
    }

    public PostgresStatus {
        replicas = List.copyOf(replicas);
    }

    static PostgresStatus unavailable(PostgresConnectionException e) {
        State state = switch (e.kind()) {
            case STARTING -> State.STARTING;
            case REJECTED -> State.REJECTED;
            case UNREACHABLE -> State.UNREACHABLE;
        };
        return new PostgresStatus(state, 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(), 0, Optional.of(e.getMessage()));
    }

    /** Whether this is a standby whose WAL receiver is streaming. */
    public boolean streaming() {
        return upstream.map(WalReceiver::streaming).orElse(false);
    }

    /** A standby's received-but-not-replayed bytes; 0 for a primary or when unknown. */
    public long replayLagBytes() {
        if (receiveLsn.isEmpty() || replayLsn.isEmpty()) {
            return 0;
        }
        return Math.max(0, receiveLsn.get().minus(replayLsn.get()));
    }

    /** The furthest position this instance has: current for a primary, the later of receive and replay otherwise. */
    public Optional<Lsn> position() {
        if (currentLsn.isPresent()) {
            return currentLsn;
        }
        if (receiveLsn.isPresent() && replayLsn.isPresent()) {
            return Optional.of(receiveLsn.get().isAfter(replayLsn.get()) ? receiveLsn.get() : replayLsn.get());
        }
        return receiveLsn.isPresent() ? receiveLsn : replayLsn;
    }
}
