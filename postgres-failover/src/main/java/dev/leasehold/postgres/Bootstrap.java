package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a new cluster in an instance's empty data directory, ready to be the primary that other members clone
 * and stream from: {@code initdb} with the superuser and its password (through {@code --pwfile}, a 0600 file
 * deleted afterwards, never an argument), scram-sha-256 authentication, the replication role with its password
 * (as a SCRAM verifier computed here, handed to {@code postgres --single} on standard input), pg_hba rules for
 * the members and clients, and the postgresql.conf settings failover needs ({@code wal_level = replica},
 * {@code hot_standby}, WAL senders and replication slots, {@code wal_log_hints} for {@code pg_rewind}).
 *
 * <p>Crash safe and idempotent: everything happens in a staging directory beside the data directory
 * ({@code .<name>.leasehold-initdb}), which is renamed onto the data directory only when complete, so a crash
 * at any point leaves either no data directory or a whole one; a stale staging directory is deleted on the next
 * try. A data directory that already holds a cluster ({@code PG_VERSION}) is left as it is. A data directory that
 * is not empty but holds no cluster is refused, never wiped. The data directory must not be a mount point (the
 * rename needs its parent): put it in a subdirectory of the volume.
 */
public final class Bootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
    private static final Pattern SETTING = Pattern.compile("[a-z_][a-z0-9_.]{0,62}");
    private static final Pattern CIDR = Pattern.compile("[0-9A-Fa-f.:]+/[0-9]{1,3}");
    private static final Set<String> RESERVED_ARGS = Set.of("-D", "--pgdata", "-U", "--username", "--pwfile", "-W",
            "--pwprompt", "-A", "--auth", "--auth-host", "--auth-local", "-X", "--waldir");

    /** What was found or made. */
    public enum Outcome {
        /** The data directory was empty: a new cluster was made. */
        CREATED,
        /** The data directory already held a cluster: nothing was done. */
        EXISTED
    }

    /**
     * The result of {@link PostgresInstance#initdb}.
     *
     * @param outcome whether a cluster was made
     * @param systemIdentifier the cluster's system identifier (from {@code pg_control})
     * @param dataDir the data directory
     */
    public record Result(Outcome outcome, long systemIdentifier, Path dataDir) {
    }

    /**
     * How a new cluster is made.
     *
     * @param initdbArgs extra {@code initdb} arguments (e.g. {@code --data-checksums}, {@code --locale=...});
     *     the data directory, user, password and authentication are set here and may not be given
     * @param settings postgresql.conf settings, on top of {@link #DEFAULT_SETTINGS} (same name: this value wins);
     *     {@code port} is always the instance's
     * @param allowFrom the addresses (CIDR) that may connect over TCP with a password: every user to every
     *     database, and the replication user for replication
     */
    public record Settings(List<String> initdbArgs, Map<String, String> settings, List<String> allowFrom) {
        /** The settings written unless overridden: what the agent relies on. */
        public static final Map<String, String> DEFAULT_SETTINGS = defaultSettings();

        public Settings {
            initdbArgs = List.copyOf(initdbArgs);
            settings = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(settings));
            allowFrom = List.copyOf(allowFrom);
            for (String a : initdbArgs) {
                String key = a.split("=", 2)[0];
                if (!a.startsWith("-") || RESERVED_ARGS.contains(key) || a.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("initdbArgs: '" + a + "' must be an option (starting with"
                            + " '-') other than " + RESERVED_ARGS + ", which the agent sets itself");
                }
            }
            settings.forEach((k, v) -> {
                if (!SETTING.matcher(k).matches() || k.equals("port")) {
                    throw new IllegalArgumentException("settings: '" + k + "' must be a PostgreSQL setting name"
                            + " ([a-z_][a-z0-9_.]*) other than port, which is the member's");
                }
                if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("settings: the value of '" + k
                            + "' must not contain a line break or NUL");
                }
            });
            if (allowFrom.isEmpty()) {
                throw new IllegalArgumentException("allowFrom must name at least one address range (CIDR), e.g."
                        + " 0.0.0.0/0; without one no member could clone or stream from the primary");
            }
            for (String c : allowFrom) {
                if (!CIDR.matcher(c).matches()) {
                    throw new IllegalArgumentException("allowFrom: '" + c
                            + "' must be an address range in CIDR form, e.g. 10.0.0.0/8 or ::/0");
                }
            }
        }

        /** {@code --encoding=UTF8 --locale=C}, no extra settings, connections from everywhere (IPv4 and IPv6). */
        public static Settings defaults() {
            return new Settings(List.of("--encoding=UTF8", "--locale=C"), Map.of(), List.of("0.0.0.0/0", "::/0"));
        }

        private static Map<String, String> defaultSettings() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("listen_addresses", "*");
            m.put("wal_level", "replica");
            m.put("hot_standby", "on");
            m.put("wal_log_hints", "on"); // pg_rewind needs it (or data checksums)
            m.put("max_wal_senders", "10");
            m.put("max_replication_slots", "10");
            m.put("wal_keep_size", "64MB");
            m.put("wal_receiver_status_interval", "1s");
            m.put("password_encryption", "scram-sha-256");
            return java.util.Collections.unmodifiableMap(m);
        }
    }

    private final PostgresInstance pg;

    Bootstrap(PostgresInstance pg) {
        this.pg = pg;
    }

    Result run(Settings settings, Duration timeout) {
        Path data = pg.requireDataDir();
        if (Files.exists(data.resolve("PG_VERSION"))) {
            return new Result(Outcome.EXISTED, pg.systemIdentifier(), data);
        }
        if (Files.exists(data) && !isEmptyDirectory(data)) {
            throw new PostgresException("refusing to initdb PostgreSQL " + pg.describe() + ": its data directory "
                    + data + " is not empty but holds no PostgreSQL cluster (no PG_VERSION); it is left as it is:"
                    + " move its contents away or point the member at another directory");
        }
        Path parent = data.toAbsolutePath().getParent();
        Path stage = parent.resolve("." + data.getFileName() + ".leasehold-initdb");
        Path pwfile = parent.resolve("." + data.getFileName() + ".leasehold-initdb.pw");
        long t0 = System.nanoTime();
        try {
            Cloner.deleteTree(stage); // a crashed attempt's: ours by its name, never valid as a data directory
            createPrivate(stage, true);
            createPrivate(pwfile, false);
            Files.writeString(pwfile, pg.config().superuser().password() + "\n", StandardCharsets.UTF_8);
            pg.config().osUser().ifPresent(u -> u.ownTree(pwfile));
            List<String> args = new ArrayList<>(List.of("-D", stage.toString(), "-U", pg.config().superuser().user(),
                    "--pwfile=" + pwfile, "--auth=scram-sha-256"));
            args.addAll(settings.initdbArgs());
            pg.commands().runOrThrow(timeout, Map.of(), "initdb", args);
        } catch (IOException e) {
            throw new PostgresException("cannot prepare initdb for " + pg.describe() + " in " + stage + ": " + e, e);
        } finally {
            Cloner.deleteTree(pwfile);
        }
        createReplicationRole(stage, timeout);
        writeDurably(stage.resolve("postgresql.conf"), readConf(stage) + settingsBlock(settings));
        writeDurably(stage.resolve("pg_hba.conf"), hba(settings));
        pg.config().osUser().ifPresent(u -> u.ownTree(stage));
        install(stage, data);
        long id = pg.systemIdentifier();
        LOG.info("PostgreSQL {}: initdb made cluster {} in {} ({} ms)", pg.describe(), Long.toUnsignedString(id),
                data, (System.nanoTime() - t0) / 1_000_000);
        return new Result(Outcome.CREATED, id, data);
    }

    /**
     * Creates the replication role in the stopped staging cluster with {@code postgres --single}: its password
     * travels as a SCRAM verifier on standard input, never as an argument or in a log line.
     */
    private void createReplicationRole(Path stage, Duration timeout) {
        Credentials su = pg.config().superuser();
        Credentials repl = pg.config().replication();
        if (repl.user().equals(su.user())) {
            return; // the superuser may replicate already
        }
        String verifier = PasswordUtil.encodeScramSha256(repl.password().toCharArray());
        String sql = "CREATE ROLE " + Identifiers.quoteIdentifier(repl.user()) + " WITH LOGIN REPLICATION PASSWORD "
                + Identifiers.quoteLiteral(verifier) + "\n";
        PgCommands.Result r = pg.commands().runWithInput(timeout, Map.of(), "postgres",
                List.of("--single", "-D", stage.toString(), "-c", "log_min_messages=fatal", "-c",
                        "log_statement=none", "postgres"), sql);
        String output = r.output().replace(verifier, "***");
        if (r.exitCode() != 0 || output.contains("ERROR:")) {
            throw new PostgresException("cannot create replication role '" + repl.user() + "' in the new cluster of "
                    + pg.describe() + " (exit code " + r.exitCode() + "): " + output.strip());
        }
    }

    private String settingsBlock(Settings s) {
        Map<String, String> all = new LinkedHashMap<>(Settings.DEFAULT_SETTINGS);
        all.putAll(s.settings());
        StringBuilder b = new StringBuilder("\n# written by the leasehold agent at bootstrap (later lines win)\n");
        b.append("port = ").append(pg.config().port()).append('\n');
        all.forEach((k, v) -> b.append(k).append(" = ").append(Identifiers.quoteConfigValue(v)).append('\n'));
        return b.toString();
    }

    private String hba(Settings s) {
        String repl = Identifiers.quoteIdentifier(pg.config().replication().user());
        StringBuilder b = new StringBuilder("# written by the leasehold agent at bootstrap: passwords only\n");
        b.append("local all all scram-sha-256\n");
        for (String cidr : s.allowFrom()) {
            b.append("host all all ").append(cidr).append(" scram-sha-256\n");
            b.append("host replication ").append(repl).append(' ').append(cidr).append(" scram-sha-256\n");
        }
        return b.toString();
    }

    /** Renames the complete staging directory onto the (missing or empty) data directory, durably. */
    private void install(Path stage, Path data) {
        try {
            if (Files.exists(data)) {
                try {
                    Files.delete(data); // empty, checked above
                } catch (IOException e) {
                    throw new PostgresException("cannot replace the empty data directory " + data + " of "
                            + pg.describe() + " (" + e + "): if it is a mount point, use a subdirectory of the"
                            + " volume as the data directory", e);
                }
            }
            Files.move(stage, data, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(data.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new PostgresException("cannot move the new cluster from " + stage + " to " + data + ": " + e, e);
        }
    }

    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new PostgresException("cannot list the data directory " + dir + ": " + e, e);
        }
    }

    private void createPrivate(Path path, boolean directory) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path);
        if (directory) {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        pg.config().osUser().ifPresent(u -> u.ownTree(path));
    }

    private static String readConf(Path stage) {
        Path conf = stage.resolve("postgresql.conf");
        try {
            return Files.readString(conf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PostgresException("cannot read " + conf + " that initdb wrote: " + e, e);
        }
    }

    private static void writeDurably(Path file, String content) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            throw new PostgresException("cannot write " + file + ": " + e, e);
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot sync directory {}: {}", dir, e.toString()); // some file systems refuse; not fatal
        }
    }
}
