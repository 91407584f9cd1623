package dev.leasehold.postgres.testing;

import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PostgresException;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.PostgresStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/** Test rows in table {@code rows(id int primary key, phase text)}, and waits for replication. */
public final class Rows {
    private Rows() {
    }

    public static void createTable(PostgresInstance primary) {
        primary.execute("CREATE TABLE IF NOT EXISTS rows (id int PRIMARY KEY, phase text NOT NULL)");
    }

    /**
     * Creates the table on member 0 (the primary of a fresh cluster), inserts ids 1 to {@code count}
     * as phase {@code before}, and waits until every other member has replayed them.
     */
    public static Lsn seed(PostgresCluster cluster, int count) {
        PostgresInstance primary = cluster.member(0);
        createTable(primary);
        Lsn written = insert(primary, "before", 1, count);
        for (PostgresInstance m : cluster.members().subList(1, cluster.members().size())) {
            awaitReplayed(m, written);
        }
        return written;
    }

    /** Inserts ids {@code from} to {@code to} (inclusive) with a phase label; returns the primary's position after. */
    public static Lsn insert(PostgresInstance primary, String phase, int from, int to) {
        try (Connection c = primary.connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO rows (id, phase) VALUES (?, ?)")) {
            for (int id = from; id <= to; id++) {
                ps.setInt(1, id);
                ps.setString(2, phase);
                ps.addBatch();
            }
            ps.executeBatch();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new PostgresException("insert into " + primary.describe() + " failed: " + e.getMessage(), e);
        }
    }

    /** Ids of rows with the phase label. */
    public static Set<Integer> ids(PostgresInstance member, String phase) {
        try (Connection c = member.connect();
                PreparedStatement ps = c.prepareStatement("SELECT id FROM rows WHERE phase = ?")) {
            ps.setString(1, phase);
            Set<Integer> ids = new TreeSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getInt(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new PostgresException("select from " + member.describe() + " failed: " + e.getMessage(), e);
        }
    }

    /** Ids {@code from..to}. */
    public static Set<Integer> range(int from, int to) {
        Set<Integer> ids = new TreeSet<>();
        for (int i = from; i <= to; i++) {
            ids.add(i);
        }
        return ids;
    }

    /** Waits until a standby has replayed at least {@code lsn}. */
    public static void awaitReplayed(PostgresInstance standby, Lsn lsn) {
        await("replay of " + lsn + " on " + standby.describe()).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    PostgresStatus s = standby.status();
                    return s.replayLsn().map(r -> r.compareTo(lsn) >= 0).orElse(false);
                });
    }
}
