package dev.leasehold.samples.pg;

import dev.leasehold.postgres.PostgresInstance;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady write load on every member of a cluster: one writer per member inserts a row every few milliseconds
 * and records each acknowledged insert (member, row, when it was sent and acknowledged). Only a writable
 * primary acknowledges anything.
 */
final class WriteLoad implements AutoCloseable {

    /** One acknowledged write. */
    record Ack(String member, long id, long sentNanos, long ackedNanos) {
    }

    private final List<Thread> writers = new ArrayList<>();
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean stopped;

    WriteLoad(List<PostgresInstance> members, PostgresInstance primary) {
        primary.execute("CREATE TABLE IF NOT EXISTS bench (id bigint PRIMARY KEY, member text NOT NULL)");
        for (PostgresInstance m : members) {
            Thread t = new Thread(() -> write(m), "bench-writer-" + m.name());
            t.setDaemon(true);
            writers.add(t);
            t.start();
        }
    }

    private void write(PostgresInstance m) {
        Connection c = null;
        while (!stopped) {
            try {
                if (c == null) {
                    c = connect(m);
                }
                long id = ids.incrementAndGet();
                long sent = System.nanoTime();
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench VALUES (?, ?)")) {
                    ps.setLong(1, id);
                    ps.setString(2, m.name());
                    ps.executeUpdate();
                }
                acks.add(new Ack(m.name(), id, sent, System.nanoTime()));
                sleep(2);
            } catch (SQLException e) {
                closeQuietly(c);
                c = null;
                sleep(5);
            }
        }
        closeQuietly(c);
    }

    private static Connection connect(PostgresInstance m) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", m.config().superuser().user());
        p.setProperty("password", m.config().superuser().password());
        p.setProperty("connectTimeout", "1");
        p.setProperty("socketTimeout", "15");
        return DriverManager.getConnection("jdbc:postgresql://" + m.config().host() + ":" + m.config().port()
                + "/postgres", p);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // broken already
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The first write acknowledged by {@code member} that was sent after {@code afterNanos}. */
    Optional<Ack> firstAfter(String member, long afterNanos) {
        return acks.stream().filter(a -> a.member().equals(member) && a.sentNanos() >= afterNanos)
                .min((a, b) -> Long.compare(a.ackedNanos(), b.ackedNanos()));
    }

    /** The last write acknowledged by {@code member}. */
    Optional<Ack> last(String member) {
        return acks.stream().filter(a -> a.member().equals(member))
                .max((a, b) -> Long.compare(a.ackedNanos(), b.ackedNanos()));
    }

    /** The rows {@code member} acknowledged between two instants. */
    List<Ack> acked(String member, long fromNanos, long toNanos) {
        return acks.stream().filter(a -> a.member().equals(member) && a.ackedNanos() >= fromNanos
                && a.ackedNanos() <= toNanos).toList();
    }

    /** The row ids present on {@code m}. */
    static Set<Long> rowsOn(PostgresInstance m) {
        Set<Long> ids = new HashSet<>();
        try (Connection c = m.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM bench")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read rows on " + m.describe() + ": " + e.getMessage(), e);
        }
        return ids;
    }

    @Override
    public void close() {
        stopped = true;
        for (Thread t : writers) {
            try {
                t.join(20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
