package dev.leasehold.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Frozen settings of one {@link PostgresInstance}; made by {@link Builder#build()}, which checks them.
 *
 * @param name member name (a DNS label such as a pod name); its slot name is derived from it
 * @param host host name or address the server listens on
 * @param port TCP port
 * @param database database to connect to for control statements
 * @param superuser superuser credentials (status, promote, slots, rewind source)
 * @param replication replication user credentials (streaming, base backups)
 * @param dataDir the data directory, when the server runs on this machine
 * @param binDir directory of the PostgreSQL programs
 * @param osUser OS user to run programs as when this JVM runs as root
 * @param passfile where the libpq passfile for programs and {@code primary_conninfo} is kept (0600)
 * @param logFile server log written by {@code pg_ctl start}
 * @param connectTimeout bound on connecting
 * @param statementTimeout bound on each control statement
 */
public record PostgresConfig(String name, String host, int port, String database, Credentials superuser,
        Credentials replication, Optional<Path> dataDir, Path binDir, Optional<OsUser> osUser, Path passfile,
        Path logFile, Duration connectTimeout, Duration statementTimeout) {

    /** Builds a {@link PostgresInstance}; {@link #build()} names any parameter that breaks a rule. */
    public static final class Builder {
        private String name;
        private String host = "127.0.0.1";
        private Integer port;
        private String database = "postgres";
        private Credentials superuser;
        private Credentials replication;
        private Path dataDir;
        private Path binDir;
        private OsUser osUser;
        private Path passfile;
        private Path logFile;
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration statementTimeout = Duration.ofSeconds(30);

        Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder database(String database) {
            this.database = database;
            return this;
        }

        public Builder superuser(Credentials superuser) {
            this.superuser = superuser;
            return this;
        }

        public Builder replication(Credentials replication) {
            this.replication = replication;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder binDir(Path binDir) {
            this.binDir = binDir;
            return this;
        }

        /** Run PostgreSQL programs as this user (needed when the JVM runs as root). */
        public Builder osUser(OsUser osUser) {
            this.osUser = osUser;
            return this;
        }

        public Builder passfile(Path passfile) {
            this.passfile = passfile;
            return this;
        }

        public Builder logFile(Path logFile) {
            this.logFile = logFile;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder statementTimeout(Duration statementTimeout) {
            this.statementTimeout = statementTimeout;
            return this;
        }

        public PostgresInstance build() {
            Identifiers.requireMemberName("name", name);
            if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:_-]+")) {
                throw new IllegalArgumentException("host '" + host
                        + "' must be a host name or address (letters, digits, '.', ':', '_', '-')");
            }
            if (port == null || port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " must be between 1 and 65535");
            }
            Identifiers.requireRoleName("database", database);
            if (superuser == null) {
                throw new IllegalArgumentException("superuser credentials must be set");
            }
            if (replication == null) {
                throw new IllegalArgumentException("replication credentials must be set");
            }
            if (binDir == null) {
                throw new IllegalArgumentException("binDir must be set (the directory holding pg_ctl)");
            }
            requireAbsolute("binDir", binDir);
            if (dataDir != null) {
                requireAbsolute("dataDir", dataDir);
            }
            requirePositive("connectTimeout", connectTimeout);
            requirePositive("statementTimeout", statementTimeout);
            Path base = dataDir != null ? dataDir.toAbsolutePath().getParent()
                    : Path.of(System.getProperty("java.io.tmpdir"));
            Path pass = passfile != null ? passfile : base.resolve(name + ".pgpass");
            Path log = logFile != null ? logFile : base.resolve(name + ".log");
            requireAbsolute("passfile", pass);
            requireAbsolute("logFile", log);
            return new PostgresInstance(new PostgresConfig(name, host, port, database, superuser, replication,
                    Optional.ofNullable(dataDir), binDir, Optional.ofNullable(osUser), pass, log, connectTimeout,
                    statementTimeout));
        }

        private static void requireAbsolute(String parameter, Path path) {
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException(parameter + " '" + path + "' must be an absolute path");
            }
            if (path.toString().indexOf('\'') >= 0 || path.toString().indexOf('\n') >= 0) {
                throw new IllegalArgumentException(parameter + " '" + path
                        + "' must not contain a quote or line break");
            }
        }

        private static void requirePositive(String parameter, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(parameter + " " + d + " must be a positive duration");
            }
        }
    }

    /** A builder preset with these settings, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder().name(name).host(host).port(port).database(database).superuser(superuser)
                .replication(replication).binDir(binDir).passfile(passfile).logFile(logFile)
                .connectTimeout(connectTimeout).statementTimeout(statementTimeout);
        dataDir.ifPresent(b::dataDir);
        osUser.ifPresent(b::osUser);
        return b;
    }
}
