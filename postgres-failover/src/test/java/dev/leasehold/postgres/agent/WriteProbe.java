package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.testing.PostgresCluster;
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
 * Writes to every member every few milliseconds, one writer thread per member, and records each acknowledged
 * write: which member, which row, when the commit was sent and when it was acknowledged, and the WAL position it
 * wrote at. Only a writable primary acknowledges; standbys and stopped servers fail the write.
 */
public final class WriteProbe implements AutoCloseable {

    /** One acknowledged write. */
    public record Ack(String member, long id, long sentNanos, long ackedNanos, Lsn lsn) {
    }

    private final List<PostgresInstance> members;
    private final List<Thread> writers = new ArrayList<>();
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean stopped;

    /** Creates the probe table on {@code primary} and starts writing to every member of {@code cluster}. */
    public WriteProbe(PostgresCluster cluster, PostgresInstance primary) {
        this.members = cluster.members();
        primary.execute("CREATE TABLE IF NOT EXISTS probe (id bigint PRIMARY KEY, member text NOT NULL)");
        for (PostgresInstance m : members) {
            Thread t = new Thread(() -> write(m), "write-probe-" + m.name());
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
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO probe VALUES (?, ?) RETURNING pg_current_wal_insert_lsn()::text")) {
                    ps.setLong(1, id);
                    ps.setString(2, m.name());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        acks.add(new Ack(m.name(), id, sent, System.nanoTime(), Lsn.parse(rs.getString(1))));
                    }
                }
                pause(3);
            } catch (SQLException e) {
                if ("25006".equals(e.getSQLState())) {
                    pause(2); // a standby refused: keep the session, it can write the moment the server is promoted
                } else {
                    close(c);
                    c = null;
                    pause(20);
                }
            }
        }
        close(c);
    }

    private static Connection connect(PostgresInstance m) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", m.config().superuser().user());
        p.setProperty("password", m.config().superuser().password());
        p.setProperty("connectTimeout", "1");
        p.setProperty("socketTimeout", "10");
        p.setProperty("ApplicationName", "write-probe");
        return DriverManager.getConnection("jdbc:postgresql://" + m.config().host() + ":" + m.config().port()
                + "/postgres", p);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // already broken
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<Ack> acks() {
        return List.copyOf(acks);
    }

    public List<Ack> acksBy(String member) {
        return acks.stream().filter(a -> a.member().equals(member)).toList();
    }

    public Optional<Ack> lastBy(String member) {
        return acksBy(member).stream().max((a, b) -> Long.compare(a.ackedNanos(), b.ackedNanos()));
    }

    public Optional<Ack> firstBy(String member) {
        return acksBy(member).stream().min((a, b) -> Long.compare(a.sentNanos(), b.sentNanos()));
    }

    /** The first write acknowledged by {@code member} among those sent after {@code afterNanos}. */
    public Optional<Ack> firstAfter(String member, long afterNanos) {
        return acks.stream().filter(a -> a.member().equals(member) && a.sentNanos() >= afterNanos)
                .min((a, b) -> Long.compare(a.ackedNanos(), b.ackedNanos()));
    }

    /**
     * Pairs of acknowledgements by different members whose intervals (sent to acknowledged) overlap: two
     * members accepting writes at once. Empty when there never were two primaries taking writes.
     */
    public List<String> overlaps() {
        List<String> found = new ArrayList<>();
        eachOverlap((a, b) -> found.add(a.owner() + " acknowledged writes in [" + a.from() + ", " + a.to() + "], "
                + b.owner() + " in [" + b.from() + ", " + b.to() + "]"));
        return found;
    }

    /** How long, in all, two members' runs of acknowledgements overlapped (see {@link #overlaps}); 0: never. */
    public long overlapNanos() {
        long[] total = new long[1];
        eachOverlap((a, b) -> total[0] += Math.min(a.to(), b.to()) - Math.max(a.from(), b.from()));
        return total[0];
    }

    /** A run of acknowledgements by one member: from the first one's send to the last one's acknowledgement. */
    private record Run(String owner, long from, long to) {
    }

    private void eachOverlap(java.util.function.BiConsumer<Run, Run> overlap) {
        // runs: maximal stretches of acknowledgements (in the order the writes were sent) by one member; a member
        // may be primary more than once, so runs, not whole spans, are what must not overlap
        List<Ack> sorted = acks.stream().sorted((a, b) -> Long.compare(a.sentNanos(), b.sentNanos())).toList();
        List<long[]> spans = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        for (Ack a : sorted) {
            int last = owners.size() - 1;
            if (last >= 0 && owners.get(last).equals(a.member())) {
                spans.get(last)[1] = Math.max(spans.get(last)[1], a.ackedNanos());
            } else {
                owners.add(a.member());
                spans.add(new long[] {a.sentNanos(), a.ackedNanos()});
            }
        }
        for (int i = 0; i < spans.size(); i++) {
            for (int j = i + 1; j < spans.size(); j++) {
                if (owners.get(i).equals(owners.get(j))) {
                    continue;
                }
                long[] a = spans.get(i);
                long[] b = spans.get(j);
                if (!(a[1] < b[0] || b[1] < a[0])) {
                    overlap.accept(new Run(owners.get(i), a[0], a[1]), new Run(owners.get(j), b[0], b[1]));
                }
            }
        }
    }

    /** The ids of probe rows present on {@code m}. */
    public static Set<Long> rowsOn(PostgresInstance m) {
        Set<Long> ids = new HashSet<>();
        try (Connection c = m.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM probe")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read probe rows on " + m.describe() + ": " + e.getMessage(), e);
        }
        return ids;
    }

    /** Where {@code m} switched from timeline {@code from} to the next one, from its history file. */
    public static Lsn switchPoint(PostgresInstance m, int newTimeline) {
        String file = String.format("pg_wal/%08X.history", newTimeline);
        try (Connection c = m.connect(); PreparedStatement ps = c.prepareStatement("SELECT pg_read_file(?)")) {
            ps.setString(1, file);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String[] lines = rs.getString(1).strip().split("\n");
                return Lsn.parse(lines[lines.length - 1].split("\t")[1].strip());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + file + " on " + m.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Stops the writers (waiting for each to finish its write in flight). Harmless twice. */
    @Override
    public void close() {
        stopped = true;
        for (Thread t : writers) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
