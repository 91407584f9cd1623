package dev.leasehold.postgres.testing;

import dev.leasehold.postgres.Bootstrap;
import dev.leasehold.postgres.Cloner;
import dev.leasehold.postgres.Credentials;
import dev.leasehold.postgres.OsUser;
import dev.leasehold.postgres.PostgresException;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.PostgresStatus;
import dev.leasehold.postgres.Postmaster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real PostgreSQL servers for tests: one primary made with {@code initdb} and replicas cloned from it
 * (with {@code pg_basebackup}, or the low-level backup API when the binaries lack it), each streaming
 * through its own replication slot, on free loopback ports in a temporary directory.
 *
 * <p>Authentication is by password over TCP only (scram-sha-256; no Unix sockets, no trust): a
 * superuser {@code postgres} and a replication user {@code replicator}, with random passwords.
 * {@code wal_log_hints} is on so {@code pg_rewind} works. When the JVM runs as root, servers run as
 * {@code nobody} (system property {@code leasehold.pg.osUser} to choose another) and own their
 * directories. {@link #close()}, a JVM shutdown hook and {@link RunRegistry#sweepOrphans()} make sure
 * no server outlives its test. Members are named {@code pg-0}, {@code pg-1}, ...
 */
public final class PostgresCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresCluster.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String HBA = "host all postgres 127.0.0.1/32 scram-sha-256\n"
            + "host replication replicator 127.0.0.1/32 scram-sha-256\n";
    private static final String PARTITION_LINE = "host replication all 127.0.0.1/32 reject\n";

    private final PgBinaries binaries;
    private final Optional<OsUser> osUser;
    private final Path baseDir;
    private final Credentials superuser;
    private final Credentials replication;
    private final List<PostgresInstance> members = new ArrayList<>();
    private final Map<Integer, String> partitionedConninfo = new HashMap<>();
    private String confTemplate;
    private volatile boolean closed;

    private PostgresCluster(PgBinaries binaries) {
        this.binaries = binaries;
        this.osUser = OsUser.jvmIsRoot()
                ? Optional.of(OsUser.lookup(System.getProperty("leasehold.pg.osUser", "nobody")))
                : Optional.empty();
        this.superuser = new Credentials("postgres", randomPassword());
        this.replication = new Credentials("replicator", randomPassword());
        RunRegistry.sweepOrphans();
        try {
            this.baseDir = Files.createTempDirectory("leasehold-pg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new PostgresException("cannot create a temporary directory for test servers: " + e, e);
        }
        osUser.ifPresent(u -> u.ownTree(baseDir));
        RunRegistry.register(this);
    }

    /** Starts {@code size} members with the binaries {@link PgBinaries#locate()} finds. */
    public static PostgresCluster start(int size) {
        return start(size, PgBinaries.locate());
    }

    /** Starts {@code size} members (one primary, the rest streaming replicas) with these binaries. */
    public static PostgresCluster start(int size, PgBinaries binaries) {
        if (size < 1) {
            throw new IllegalArgumentException("cluster size " + size + " must be at least 1");
        }
        PostgresCluster cluster = new PostgresCluster(binaries);
        try {
            cluster.init(size);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * {@code size} members with no data at all (their data directories do not exist) and nothing running: for
     * tests of bootstrap, where the agents make the cluster with {@link #bootstrapSettings()}.
     */
    public static PostgresCluster withoutData(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("cluster size " + size + " must be at least 1");
        }
        PostgresCluster cluster = new PostgresCluster(PgBinaries.locate());
        for (int i = 0; i < size; i++) {
            cluster.members.add(cluster.instance(i, freePort()));
        }
        return cluster;
    }

    /**
     * What the agent's bootstrap writes for these test servers: the production defaults plus the harness's
     * loopback-only, no-fsync settings (the same as {@link #start}'s servers), and pg_hba open to 127.0.0.1 only.
     */
    public static Bootstrap.Settings bootstrapSettings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("listen_addresses", "127.0.0.1");
        settings.put("unix_socket_directories", "");
        settings.put("max_connections", "30");
        settings.put("shared_buffers", "16MB");
        settings.put("fsync", "off");
        settings.put("wal_keep_size", "32MB");
        settings.put("min_wal_size", "4MB");
        settings.put("max_wal_size", "64MB");
        settings.put("wal_retrieve_retry_interval", "500ms");
        settings.put("wal_sender_timeout", "10s");
        settings.put("wal_receiver_timeout", "10s");
        settings.put("autovacuum", "off");
        return new Bootstrap.Settings(List.of("--encoding=UTF8", "--locale=C", "--no-sync", "--wal-segsize=1"),
                settings, List.of("127.0.0.1/32"));
    }

    private void init(int size) {
        long t0 = System.nanoTime();
        for (int i = 0; i < size; i++) {
            members.add(instance(i, freePort()));
        }
        initdb(members.get(0));
        startOnFreePort(0);
        PostgresInstance primary = members.get(0);
        primary.execute("CREATE ROLE replicator WITH REPLICATION LOGIN");
        setPassword(primary, replication);
        for (int i = 1; i < size; i++) {
            addReplica(i, primary);
        }
        LOG.info("PostgreSQL test cluster of {} started in {} ms under {} ({}{})", size,
                (System.nanoTime() - t0) / 1_000_000, baseDir, binaries.description(),
                osUser.map(u -> ", servers run as OS user " + u.name()).orElse(""));
    }

    private PostgresInstance instance(int i, int port) {
        var b = PostgresInstance.builder().name("pg-" + i).host("127.0.0.1").port(port).superuser(superuser)
                .replication(replication).dataDir(baseDir.resolve("pg-" + i)).binDir(binaries.binDir());
        osUser.ifPresent(b::osUser);
        return b.build();
    }

    private void initdb(PostgresInstance primary) {
        Path pw = baseDir.resolve("initdb.pw");
        try {
            Files.writeString(pw, superuser.password() + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
            osUser.ifPresent(u -> u.ownTree(pw));
            Path data = primary.config().dataDir().orElseThrow();
            primary.commands().runOrThrow(Duration.ofSeconds(120), Map.of(), "initdb", List.of("-D",
                    data.toString(), "-U", superuser.user(), "--pwfile=" + pw, "-A", "scram-sha-256", "-E", "UTF8",
                    "--locale=C", "--no-sync", "--wal-segsize=1"));
            confTemplate = Files.readString(data.resolve("postgresql.conf"), StandardCharsets.UTF_8);
            writeOwnConfig(primary);
        } catch (IOException e) {
            throw new PostgresException("cannot prepare initdb in " + baseDir + ": " + e, e);
        } finally {
            Cloner.deleteTree(pw);
        }
    }

    private static void setPassword(PostgresInstance primary, Credentials user) {
        try (var c = primary.connect()) {
            // computes the SCRAM verifier in the driver: the password never travels or gets logged as text
            c.unwrap(PGConnection.class).alterUserPassword(user.user(), user.password().toCharArray(),
                    "scram-sha-256");
        } catch (java.sql.SQLException e) {
            throw new PostgresException("cannot set the password of " + user.user() + ": " + e.getMessage(), e);
        }
    }

    /** Writes this member's postgresql.conf and pg_hba.conf (its port; the shared settings). */
    private void writeOwnConfig(PostgresInstance m) {
        Path data = m.config().dataDir().orElseThrow();
        String settings = "\n# leasehold test cluster\n"
                + "listen_addresses = '127.0.0.1'\n"
                + "port = " + m.config().port() + "\n"
                + "unix_socket_directories = ''\n"
                + "max_connections = 30\n"
                + "shared_buffers = 16MB\n"
                + "fsync = off\n"
                + "wal_level = replica\n"
                + "wal_log_hints = on\n"
                + "full_page_writes = on\n"
                + "max_wal_senders = 10\n"
                + "max_replication_slots = 10\n"
                + "wal_keep_size = 32MB\n"
                + "min_wal_size = 4MB\n"
                + "max_wal_size = 64MB\n"
                + "hot_standby = on\n"
                + "wal_receiver_status_interval = 1s\n"
                + "wal_retrieve_retry_interval = 500ms\n"
                + "wal_sender_timeout = 10s\n"
                + "wal_receiver_timeout = 10s\n"
                + "password_encryption = 'scram-sha-256'\n"
                + "autovacuum = off\n";
        try {
            Files.createDirectories(data);
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
            Files.writeString(data.resolve("postgresql.conf"), confTemplate + settings, StandardCharsets.UTF_8);
            Files.writeString(data.resolve("pg_hba.conf"), HBA, StandardCharsets.UTF_8);
            osUser.ifPresent(u -> u.ownTree(data));
        } catch (IOException e) {
            throw new PostgresException("cannot write the configuration of " + m.describe() + ": " + e, e);
        }
    }

    private void addReplica(int i, PostgresInstance upstream) {
        PostgresInstance replica = members.get(i);
        writeOwnConfig(replica);
        replica.cloneFrom(upstream, START_TIMEOUT);
        startOnFreePort(i);
        awaitStreaming(members.get(i), upstream);
    }

    /**
     * Starts a new member; if another process took its port between {@link #freePort()} and the
     * start (other test JVMs run beside us), moves it to another free port and tries again.
     */
    private void startOnFreePort(int i) {
        for (int attempt = 1; ; attempt++) {
            try {
                members.get(i).start(START_TIMEOUT);
                return;
            } catch (PostgresException e) {
                if (attempt == 3 || !e.getMessage().contains("already in use")) {
                    throw e;
                }
                LOG.info("test cluster: port {} of {} was taken meanwhile; trying another",
                        members.get(i).config().port(), members.get(i).name());
                members.set(i, members.get(i).config().toBuilder().port(freePort()).build());
                rewritePort(members.get(i));
            }
        }
    }

    private static void rewritePort(PostgresInstance m) {
        Path conf = m.config().dataDir().orElseThrow().resolve("postgresql.conf");
        try {
            String text = Files.readString(conf, StandardCharsets.UTF_8);
            Files.writeString(conf, text.replaceAll("(?m)^port = \\d+$", "port = " + m.config().port()),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PostgresException("cannot rewrite the port in " + conf + ": " + e, e);
        }
    }

    /** Waits until {@code replica} streams from {@code upstream}. */
    public void awaitStreaming(PostgresInstance replica, PostgresInstance upstream) {
        replica.awaitStreaming(upstream, START_TIMEOUT);
    }

    // ---------------------------------------------------------------- access

    public PgBinaries binaries() {
        return binaries;
    }

    public Path baseDir() {
        return baseDir;
    }

    public Optional<OsUser> osUser() {
        return osUser;
    }

    public Credentials superuser() {
        return superuser;
    }

    public Credentials replication() {
        return replication;
    }

    public List<PostgresInstance> members() {
        return List.copyOf(members);
    }

    public PostgresInstance member(int i) {
        return members.get(i);
    }

    /** The one member whose status says PRIMARY. */
    public PostgresInstance primary() {
        List<PostgresInstance> primaries = members.stream()
                .filter(m -> m.status().state() == PostgresStatus.State.PRIMARY).toList();
        if (primaries.size() != 1) {
            throw new IllegalStateException("expected exactly one primary, found " + primaries);
        }
        return primaries.get(0);
    }

    /** Members whose status says STANDBY. */
    public List<PostgresInstance> replicas() {
        return members.stream().filter(m -> m.status().state() == PostgresStatus.State.STANDBY).toList();
    }

    // ---------------------------------------------------------------- faults

    /** Kills member {@code i}'s postmaster and all its processes with SIGKILL, like a node dying. */
    public void kill9(int i) {
        Path data = members.get(i).config().dataDir().orElseThrow();
        Postmaster.pid(data).ifPresent(pm -> {
            Postmaster.kill(pm);
            Postmaster.awaitExit(pm, Duration.ofSeconds(10));
        });
        LOG.info("test cluster: killed {} with SIGKILL", members.get(i).describe());
    }

    /** Stops (SIGSTOP) member {@code i}'s processes: a hung node that holds its connections open. */
    public void freeze(int i) {
        signalAll(i, "-STOP");
        LOG.info("test cluster: froze {}", members.get(i).describe());
    }

    /** Resumes (SIGCONT) member {@code i}'s processes after {@link #freeze}. */
    public void thaw(int i) {
        signalAll(i, "-CONT");
        LOG.info("test cluster: thawed {}", members.get(i).describe());
    }

    private void signalAll(int i, String signal) {
        ProcessHandle pm = Postmaster.pid(members.get(i).config().dataDir().orElseThrow()).orElseThrow(
                () -> new IllegalStateException(members.get(i).describe() + " is not running"));
        // the postmaster first (a stopped postmaster starts no new children), then its children, some
        // of which (a backend just closing) may be gone by then
        signal(List.of(Long.toString(pm.pid())), signal, true, members.get(i));
        List<String> children = pm.descendants().map(p -> Long.toString(p.pid())).toList();
        if (!children.isEmpty()) {
            signal(children, signal, false, members.get(i));
        }
    }

    private static void signal(List<String> pids, String signal, boolean mustSucceed, PostgresInstance m) {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        command.addAll(pids);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || (mustSucceed && p.exitValue() != 0)) {
                throw new PostgresException("kill " + signal + " of " + m.describe() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new PostgresException("cannot run kill " + signal + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while signalling " + m.describe(), e);
        }
    }

    /** Starts member {@code i} again (after {@link #kill9} or a fence). */
    public void restart(int i) {
        members.get(i).start(START_TIMEOUT);
    }

    /**
     * Cuts member {@code i}'s replication connections: it refuses replication connections (pg_hba),
     * its WAL senders are terminated, and if it is a standby its WAL receiver is stopped. It still
     * accepts client connections, so a partitioned primary keeps taking writes.
     */
    public void partition(int i) {
        PostgresInstance m = members.get(i);
        Path hba = m.config().dataDir().orElseThrow().resolve("pg_hba.conf");
        try {
            Files.writeString(hba, PARTITION_LINE + Files.readString(hba, StandardCharsets.UTF_8).replace(
                    PARTITION_LINE, ""), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PostgresException("cannot write " + hba + ": " + e, e);
        }
        m.execute("SELECT pg_reload_conf()");
        if (m.status().state() == PostgresStatus.State.STANDBY) {
            partitionedConninfo.put(i, show(m, "primary_conninfo"));
            m.execute("ALTER SYSTEM SET primary_conninfo = ''");
            m.execute("SELECT pg_reload_conf()");
        }
        m.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_replication");
        // termination is asynchronous: return only when no WAL sender can ship what is written next
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!m.status().replicas().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new PostgresException("WAL senders of " + m.describe() + " did not stop within "
                        + START_TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
        LOG.info("test cluster: partitioned {}", m.describe());
    }

    /** Undoes {@link #partition}; works on a stopped member too (files only). */
    public void heal(int i) {
        PostgresInstance m = members.get(i);
        Path hba = m.config().dataDir().orElseThrow().resolve("pg_hba.conf");
        try {
            Files.writeString(hba, Files.readString(hba, StandardCharsets.UTF_8).replace(PARTITION_LINE, ""),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PostgresException("cannot write " + hba + ": " + e, e);
        }
        if (m.isRunning()) {
            String conninfo = partitionedConninfo.remove(i);
            if (conninfo != null) {
                m.execute("ALTER SYSTEM SET primary_conninfo = "
                        + dev.leasehold.postgres.Identifiers.quoteLiteral(conninfo));
            }
            m.execute("SELECT pg_reload_conf()");
        }
        LOG.info("test cluster: healed {}", m.describe());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted", e);
        }
    }

    private static String show(PostgresInstance m, String setting) {
        try (var c = m.connect(); var ps = c.prepareStatement("SELECT current_setting(?)")) {
            ps.setString(1, setting);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (java.sql.SQLException e) {
            throw new PostgresException("cannot read " + setting + " of " + m.describe() + ": " + e, e);
        }
    }

    /** Stops every server (immediate shutdown) and deletes the directory. Harmless twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RunRegistry.killAndDelete(baseDir);
        RunRegistry.unregister(this);
        LOG.info("PostgreSQL test cluster under {} stopped and deleted", baseDir);
    }

    /** A free TCP port on 127.0.0.1 (free when asked; servers bind it a moment later). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new PostgresException("cannot find a free loopback port: " + e, e);
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
