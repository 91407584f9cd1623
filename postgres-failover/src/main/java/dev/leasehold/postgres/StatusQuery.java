package dev.leasehold.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The statements behind {@link PostgresInstance#status()}. */
final class StatusQuery {
    private StatusQuery() {
    }

    static PostgresStatus read(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            boolean recovery;
            int version;
            try (ResultSet rs = s.executeQuery(
                    "SELECT pg_is_in_recovery(), current_setting('server_version_num')::int")) {
                rs.next();
                recovery = rs.getBoolean(1);
                version = rs.getInt(2);
            }
            List<ReplicationConnection> replicas = replicas(s);
            if (!recovery) {
                try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text, "
                        + "substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")) {
                    rs.next();
                    return new PostgresStatus(PostgresStatus.State.PRIMARY, Integer.parseInt(rs.getString(2), 16),
                            Optional.of(Lsn.parse(rs.getString(1))), Optional.empty(), Optional.empty(),
                            Optional.empty(), replicas, version, Optional.empty());
                }
            }
            Optional<Lsn> receive;
            Optional<Lsn> replay;
            int controlTimeline;
            try (ResultSet rs = s.executeQuery("SELECT pg_last_wal_receive_lsn()::text, "
                    + "pg_last_wal_replay_lsn()::text, GREATEST((SELECT timeline_id FROM pg_control_checkpoint()),"
                    + " (SELECT min_recovery_end_timeline FROM pg_control_recovery()))")) {
                rs.next();
                receive = Optional.ofNullable(Lsn.parseNullable(rs.getString(1)));
                replay = Optional.ofNullable(Lsn.parseNullable(rs.getString(2)));
                controlTimeline = rs.getInt(3);
            }
            Optional<WalReceiver> receiver = Optional.empty();
            try (ResultSet rs = s.executeQuery("SELECT status, sender_host, sender_port, slot_name, received_tli "
                    + "FROM pg_stat_wal_receiver")) {
                if (rs.next()) {
                    receiver = Optional.of(new WalReceiver(rs.getString(1), rs.getString(2), rs.getInt(3),
                            PostgresInstance.optional(rs.getString(4)), rs.getInt(5)));
                }
            }
            int timeline = receiver.map(WalReceiver::receivedTimeline).filter(t -> t > 0).orElse(controlTimeline);
            return new PostgresStatus(PostgresStatus.State.STANDBY, Math.max(timeline, controlTimeline),
                    Optional.empty(), receive, replay, receiver, replicas, version, Optional.empty());
        }
    }

    private static List<ReplicationConnection> replicas(Statement s) throws SQLException {
        List<ReplicationConnection> replicas = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT application_name, host(client_addr), state, sync_state, "
                + "replay_lsn::text, COALESCE(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() "
                + "THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, replay_lsn), 0)::bigint "
                + "FROM pg_stat_replication ORDER BY application_name")) {
            while (rs.next()) {
                replicas.add(new ReplicationConnection(rs.getString(1), PostgresInstance.optional(rs.getString(2)),
                        rs.getString(3), rs.getString(4), Optional.ofNullable(Lsn.parseNullable(rs.getString(5))),
                        Math.max(0, rs.getLong(6))));
            }
        }
        return replicas;
    }
}
