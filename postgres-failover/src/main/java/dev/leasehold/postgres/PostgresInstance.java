package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Control of one PostgreSQL instance (13 or newer): status, promote, fence, start, follow, rejoin,
 * replication slots and synchronous standbys. The failover agent calls this; it keeps no state of its
 * own beyond its frozen {@link PostgresConfig}, so it is safe to use from one thread at a time per
 * instance and cheap to create.
 *
 * <p>Operations that touch files or processes ({@link #fence}, {@link #start}, {@link #rejoin}) need
 * the instance's data directory on this machine, i.e. the agent runs beside the server. Status,
 * promote, follow, slots and synchronous standbys need only a connection.
 *
 * <p>Passwords go to the JDBC driver in connection properties and to PostgreSQL programs through a
 * passfile ({@code PGPASSFILE}, mode 0600); never in process arguments or log lines.
 */
public final class PostgresInstance {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresInstance.class);

    private final PostgresConfig config;
    private final PgCommands commands;

    PostgresInstance(PostgresConfig config) {
        this.config = config;
        this.commands = new PgCommands(config.binDir(), config.osUser());
    }

    public static PostgresConfig.Builder builder() {
        return new PostgresConfig.Builder();
    }

    public PostgresConfig config() {
        return config;
    }

    /** The member name, e.g. {@code pg-0}. */
    public String name() {
        return config.name();
    }

    /** The slot and {@code application_name} this member uses on its upstream, e.g. {@code pg_0}. */
    public String slotName() {
        return Identifiers.slotNameFor(config.name());
    }

    public PgCommands commands() {
        return commands;
    }

    /** "pg-0 at 127.0.0.1:5432", for messages. */
    public String describe() {
        return config.name() + " at " + config.host() + ":" + config.port();
    }

    // ---------------------------------------------------------------- connections

    /**
     * Opens a connection as the superuser.
     *
     * @throws PostgresConnectionException saying whether the server was unreachable, starting, or
     *     refused the credentials, naming the instance and the user
     */
    public Connection connect() {
        Properties props = new Properties();
        Credentials su = config.superuser();
        props.setProperty("user", su.user());
        props.setProperty("password", su.password());
        int seconds = (int) Math.max(1, config.connectTimeout().toSeconds());
        props.setProperty("connectTimeout", Integer.toString(seconds));
        props.setProperty("loginTimeout", Integer.toString(seconds));
        props.setProperty("socketTimeout", Long.toString(Math.max(1, config.statementTimeout().toSeconds() + 5)));
        props.setProperty("ApplicationName", "leasehold");
        props.setProperty("options", "-c statement_timeout=" + config.statementTimeout().toMillis());
        String url = "jdbc:postgresql://" + config.host() + ":" + config.port() + "/" + config.database();
        try {
            return DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            throw classify(e, "connect as user '" + su.user() + "'");
        }
    }

    PostgresConnectionException classify(SQLException e, String action) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        PostgresConnectionException.Kind kind;
        if (state.startsWith("28") || state.equals("3D000")) {
            kind = PostgresConnectionException.Kind.REJECTED;
        } else if (state.equals("57P03")) {
            kind = PostgresConnectionException.Kind.STARTING;
        } else {
            kind = PostgresConnectionException.Kind.UNREACHABLE;
        }
        return new PostgresConnectionException(kind, "PostgreSQL " + describe() + ": cannot " + action + " ("
                + kind.name().toLowerCase(java.util.Locale.ROOT) + "): " + e.getMessage(), e);
    }

    /** Runs one statement on a fresh connection; SQL errors become {@link PostgresException}s naming it. */
    <T> T withConnection(String what, SqlWork<T> work) {
        try (Connection c = connect()) {
            return work.run(c);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("08") || state.equals("57P01") || state.equals("57P03")) {
                throw classify(e, what);
            }
            throw new PostgresException("PostgreSQL " + describe() + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    /** A piece of JDBC work. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Executes a statement that returns nothing, e.g. DDL. The text is the caller's: build it only
     * from constants and values passed through {@link Identifiers}.
     */
    public void execute(String sql) {
        withConnection("execute statement", c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- status

    /** Looks at the server; an unreachable or starting server is a state, not an exception. */
    public PostgresStatus status() {
        try {
            return withConnection("read status", StatusQuery::read);
        } catch (PostgresConnectionException e) {
            LOG.debug("status of {}: {}", describe(), e.getMessage());
            return PostgresStatus.unavailable(e);
        }
    }

    // ---------------------------------------------------------------- promote

    /** What a promotion produced. */
    public record PromoteResult(boolean alreadyPrimary, int previousTimeline, int timeline, Lsn lsn) {
    }

    /**
     * Promotes a standby with {@code pg_promote}, waiting up to {@code wait}, then checks that it now
     * accepts a write (an xid is assigned and committed) on a newer timeline.
     *
     * @throws PostgresException if the server is not a standby, promotion does not finish within the
     *     wait, or the write check fails
     */
    public PromoteResult promote(Duration wait) {
        PostgresStatus before = status();
        if (before.state() == PostgresStatus.State.PRIMARY) {
            return new PromoteResult(true, before.timeline(), before.timeline(), before.currentLsn().orElseThrow());
        }
        if (before.state() != PostgresStatus.State.STANDBY) {
            throw new PostgresException("cannot promote PostgreSQL " + describe() + ": it is " + before.state()
                    + before.problem().map(p -> " (" + p + ")").orElse(""));
        }
        int seconds = (int) Math.max(1, (wait.toMillis() + 999) / 1000);
        return withConnection("promote", c -> {
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(seconds + 5);
                // pg_promote(true) polls for the end of recovery only every 100 ms; ask without waiting and poll
                // every 5 ms ourselves, which takes that much off every failover
                try (ResultSet rs = s.executeQuery("SELECT pg_promote(false)")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new PostgresException("PostgreSQL " + describe() + " did not accept the promote request");
                    }
                }
                long deadline = System.nanoTime() + wait.toNanos();
                while (true) {
                    try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            break;
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new PostgresException("PostgreSQL " + describe() + " did not finish promoting within "
                                + wait);
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new PostgresException("interrupted while promoting PostgreSQL " + describe(), e);
                    }
                }
                WriteCheck w = commitWrite(c, s);
                if (w.timeline() <= before.timeline()) {
                    throw new PostgresException("PostgreSQL " + describe() + " was promoted but writes on timeline "
                            + w.timeline() + ", not after its previous timeline " + before.timeline());
                }
                LOG.info("PostgreSQL {} promoted: timeline {} -> {} at {}", describe(), before.timeline(),
                        w.timeline(), w.lsn());
                return new PromoteResult(false, before.timeline(), w.timeline(), w.lsn());
            }
        });
    }

    /** Where a checked write left the server: its WAL position and timeline. */
    public record WriteCheck(Lsn lsn, int timeline) {
    }

    /**
     * Checks that the server accepts a write: a transaction is given an xid and commits (with
     * {@code synchronous_commit = local}: the check is about this server, not its standbys).
     *
     * @throws PostgresException when it does not, e.g. on a standby
     */
    public WriteCheck checkWrite() {
        return withConnection("commit a check write", c -> {
            try (Statement s = c.createStatement()) {
                return commitWrite(c, s);
            }
        });
    }

    private static WriteCheck commitWrite(Connection c, Statement s) throws SQLException {
        c.setAutoCommit(false);
        s.execute("SET TRANSACTION READ WRITE");
        // the check is about this server's writability, not replication: it must not wait for standbys
        s.execute("SET LOCAL synchronous_commit = local");
        s.execute("SELECT pg_current_xact_id()");
        c.commit();
        c.setAutoCommit(true);
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text, "
                + "substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")) {
            rs.next();
            return new WriteCheck(Lsn.parse(rs.getString(1)), Integer.parseInt(rs.getString(2), 16));
        }
    }

    // ---------------------------------------------------------------- processes

    /**
     * Makes a new cluster in this instance's empty data directory (not started), ready to be the primary that
     * other members clone from: see {@link Bootstrap}. A data directory that holds a cluster already is left as it
     * is ({@link Bootstrap.Outcome#EXISTED}); one that is not empty but holds no cluster is refused.
     *
     * @throws PostgresException naming the data directory when it cannot be made
     */
    public Bootstrap.Result initdb(Bootstrap.Settings settings, Duration timeout) {
        return new Bootstrap(this).run(settings, timeout);
    }

    Path requireDataDir() {
        return config.dataDir().orElseThrow(() -> new PostgresException("PostgreSQL " + describe()
                + ": this operation needs the data directory on this machine, but none is configured"));
    }

    /** Environment for PostgreSQL programs: the passfile, never a password. */
    Map<String, String> programEnv() {
        return Map.of("PGPASSFILE", Passfile.ensure(config).toString(), "PGCONNECT_TIMEOUT",
                Long.toString(Math.max(2, config.connectTimeout().toSeconds())));
    }

    /** Whether a postmaster is running on this instance's data directory. */
    public boolean isRunning() {
        return Postmaster.pid(requireDataDir()).isPresent();
    }

    /**
     * Starts the server with {@code pg_ctl start} on this instance's port and waits until it accepts connections.
     *
     * @throws PostgresException naming the port and quoting the server log if it does not start
     */
    public void start(Duration timeout) {
        Path data = requireDataDir();
        if (isRunning()) {
            return;
        }
        Postmaster.awaitReaped(data, timeout);
        Path log = config.logFile();
        long seconds = Math.max(1, timeout.toSeconds());
        // the port is this member's whatever postgresql.conf says: a clone's postgresql.conf is its upstream's
        PgCommands.Result r = commands.run(timeout.plusSeconds(5), programEnv(), "pg_ctl",
                List.of("start", "-D", data.toString(), "-l", log.toString(), "-w", "-t", Long.toString(seconds),
                        "-o", "-p " + config.port()));
        if (r.exitCode() != 0) {
            throw new PostgresException("PostgreSQL " + describe() + " did not start on port " + config.port()
                    + ": " + r.output().strip() + "; server log: " + tail(log));
        }
        LOG.info("PostgreSQL {} started", describe());
    }

    /**
     * Starts this stopped instance as a standby: writes {@code standby.signal} (keeping whatever upstream its
     * settings name, possibly none) and starts it. A data directory that was a primary then comes up read-only.
     */
    public void startAsStandby(Duration timeout) {
        Path data = requireDataDir();
        if (isRunning()) {
            return;
        }
        StandbyConfig.writeOwned(this, data.resolve("standby.signal"), "");
        StandbyConfig.deleteQuietly(data.resolve("recovery.signal"));
        start(timeout);
    }

    /** Whether the data directory holds a cluster (its {@code PG_VERSION} file exists). */
    public boolean hasData() {
        return Files.exists(requireDataDir().resolve("PG_VERSION"));
    }

    /** The system identifier of the cluster in the data directory, from {@code global/pg_control}. */
    public long systemIdentifier() {
        return PgControl.read(requireDataDir()).systemIdentifier();
    }

    /** The last lines of the server log, for error messages. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Fences this instance: it stops accepting writes at once and is stopped within a bound.
     *
     * <p>Method: {@code pg_ctl stop -m fast} (SIGINT: no new connections, open transactions are
     * aborted, a shutdown checkpoint is written and sent to connected standbys); if the postmaster is
     * still there after {@code fastDeadline}, {@code pg_ctl stop -m immediate} (SIGQUIT: no
     * checkpoint, crash recovery on next start); if even that fails within {@code fastDeadline}, the
     * postmaster and its children are killed. We stop the server rather than set
     * {@code default_transaction_read_only}: that is only a default, which any session may override
     * with {@code SET} and which superusers and open sessions are not bound by, whereas a stopped
     * postmaster accepts nothing.
     */
    public Fence.Result fence(Duration fastDeadline) {
        return new Fence(this).run(fastDeadline);
    }

    // ---------------------------------------------------------------- follow, rejoin, clone

    /**
     * Points a running standby at {@code upstream} (its {@code primary_conninfo} and slot): by reload
     * on PostgreSQL 13 and newer, by restart before.
     */
    public Follow.Result follow(PostgresInstance upstream, Duration timeout) {
        return new Follow(this).follow(upstream, timeout);
    }

    /**
     * Like {@link #follow} but returns once the settings are applied, without waiting for streaming: for a
     * caller (the agent) that watches the status itself and must not block.
     */
    public Follow.Result pointAt(PostgresInstance upstream, Duration timeout) {
        return new Follow(this).point(upstream, timeout);
    }

    /**
     * Waits until this standby streams WAL from {@code upstream}.
     *
     * @throws PostgresException naming both and the last status seen, if it does not within the timeout
     */
    public void awaitStreaming(PostgresInstance upstream, Duration timeout) {
        Follow.awaitStreaming(this, upstream, timeout);
    }

    /**
     * Turns this stopped (fenced) instance into a standby of {@code upstream} and starts it, rewinding
     * or re-cloning first if its WAL diverged from the upstream's history. Never starts a diverged
     * instance without one of the two.
     */
    public Rewind.Result rejoin(PostgresInstance upstream, Duration timeout) {
        return new Rewind(this).rejoin(upstream, timeout);
    }

    /**
     * Replaces this instance's (stopped) data directory with a copy of {@code upstream}'s and
     * configures it as its standby (not started). Keeps this instance's own configuration files.
     */
    public Cloner.Method cloneFrom(PostgresInstance upstream, Duration timeout) {
        return new Cloner(this).cloneFrom(upstream, timeout);
    }

    /** Replication slots on this instance (as primary). */
    public ReplicationSlots slots() {
        return new ReplicationSlots(this);
    }

    /** {@code synchronous_standby_names} on this instance (as primary). */
    public SynchronousStandbys synchronousStandbys() {
        return new SynchronousStandbys(this);
    }

    @Override
    public String toString() {
        return "PostgresInstance[" + describe() + "]";
    }

    static Optional<String> optional(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
