package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an instance's data directory a fresh copy of an upstream's, configured as its standby.
 *
 * <p>With {@code pg_basebackup} in the bin directory it is used (over the network, as the replication
 * user, streaming WAL through the member's slot). Without it (some PostgreSQL distributions ship only
 * the server), and only when the upstream's data directory is on this machine, the copy is taken with
 * the low-level backup API ({@code pg_backup_start}/{@code pg_backup_stop}, or
 * {@code pg_start_backup}/{@code pg_stop_backup} before PostgreSQL 15) and a file copy; see
 * {@link LocalBackup}.
 */
public final class Cloner {
    private static final Logger LOG = LoggerFactory.getLogger(Cloner.class);

    /** How a clone was taken. */
    public enum Method {
        /** {@code pg_basebackup} over the replication protocol. */
        PG_BASEBACKUP,
        /** Low-level backup API plus a copy of the upstream's local data directory. */
        LOCAL_COPY
    }

    private final PostgresInstance self;

    Cloner(PostgresInstance self) {
        this.self = self;
    }

    Method cloneFrom(PostgresInstance upstream, Duration timeout) {
        Path data = self.requireDataDir();
        if (upstream.config().dataDir().map(data::equals).orElse(false)
                || (upstream.config().host().equals(self.config().host())
                        && upstream.config().port() == self.config().port())) {
            throw new PostgresException("refusing to clone " + upstream.describe() + " onto itself ("
                    + self.describe() + ", data directory " + data + ")");
        }
        if (self.isRunning()) {
            throw new PostgresException("PostgreSQL " + self.describe() + " is running; stop it before cloning "
                    + upstream.describe() + " over it");
        }
        Method method = chooseMethod(upstream);
        // what is replaced must be a cluster, its own configuration files, or what an earlier clone left (the
        // marker beside it says so): never somebody's files that happen to be there
        Path marker = data.toAbsolutePath().resolveSibling("." + data.getFileName() + ".leasehold-clone");
        if (!Files.exists(data.resolve("PG_VERSION")) && !Files.exists(marker)) {
            refuseForeignFiles(data);
        }
        Map<String, byte[]> own = Files.isDirectory(data) ? StandbyConfig.saveOwnFiles(data) : Map.of();
        upstream.slots().create(self.slotName());
        try {
            Files.createDirectories(marker.getParent());
            Files.write(marker, new byte[0]);
        } catch (IOException e) {
            throw new PostgresException("cannot write " + marker + " before cloning into " + data + ": " + e, e);
        }
        deleteTree(data);
        if (method == Method.PG_BASEBACKUP) {
            PostgresConfig up = upstream.config();
            self.commands().runOrThrow(timeout, self.programEnv(), "pg_basebackup",
                    List.of("-D", data.toString(), "-h", up.host(), "-p", Integer.toString(up.port()), "-U",
                            self.config().replication().user(), "-w", "-X", "stream", "-S", self.slotName(), "-c",
                            "fast"));
        } else {
            createOwnedDir(data);
            new LocalBackup(self, upstream).copyInto(data);
        }
        StandbyConfig.restoreOwnFiles(self, data, own);
        self.config().osUser().ifPresent(u -> u.ownTree(data));
        try {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new PostgresException("cannot set mode 0700 on " + data + ": " + e, e);
        }
        StandbyConfig.writeForStopped(self, upstream);
        deleteTree(marker);
        LOG.info("PostgreSQL {} cloned from {} with {}", self.describe(), upstream.describe(), method);
        return method;
    }

    private void refuseForeignFiles(Path data) {
        if (!Files.isDirectory(data)) {
            if (Files.exists(data)) {
                throw new PostgresException("refusing to clone into " + data + " for " + self.describe()
                        + ": it is not a directory; it is left as it is");
            }
            return;
        }
        try (Stream<Path> entries = Files.list(data)) {
            List<String> foreign = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !StandbyConfig.OWN_FILES.contains(n)).sorted().limit(5).toList();
            if (!foreign.isEmpty()) {
                throw new PostgresException("refusing to clone into the data directory " + data + " of "
                        + self.describe() + ": it holds no PostgreSQL cluster (no PG_VERSION) but other files "
                        + foreign + "; they are left as they are: move them away to let the member clone");
            }
        } catch (IOException e) {
            throw new PostgresException("cannot list " + data + ": " + e, e);
        }
    }

    private Method chooseMethod(PostgresInstance upstream) {
        if (self.commands().has("pg_basebackup")) {
            return Method.PG_BASEBACKUP;
        }
        boolean local = upstream.config().dataDir().map(d -> Files.isReadable(d.resolve("PG_VERSION")))
                .orElse(false);
        if (!local) {
            throw new PostgresException("cannot clone " + upstream.describe() + " into " + self.describe()
                    + ": no pg_basebackup in " + self.commands().binDir()
                    + " and the upstream's data directory is not on this machine");
        }
        return Method.LOCAL_COPY;
    }

    private void createOwnedDir(Path dir) {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            self.config().osUser().ifPresent(u -> u.ownTree(dir));
        } catch (IOException e) {
            throw new PostgresException("cannot create " + dir + ": " + e, e);
        }
    }

    /** Deletes a directory tree if it exists (does not follow symbolic links). */
    public static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new PostgresException("cannot delete " + root + ": " + e, e);
        }
    }
}
