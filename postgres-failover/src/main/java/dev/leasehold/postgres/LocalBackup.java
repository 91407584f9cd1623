package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A base backup without {@code pg_basebackup}: the documented low-level API on one connection
 * (non-exclusive mode), a file copy of the upstream's data directory in between, then
 * {@code backup_label} written from what the stop function returns, and the WAL from the backup's
 * start segment copied so that the copy is consistent even before streaming starts.
 *
 * <p>Skips what the PostgreSQL documentation says to skip: {@code postmaster.pid},
 * {@code postmaster.opts}, the contents of {@code pg_wal} (WAL is copied separately after the stop),
 * {@code pg_replslot}, {@code pg_dynshmem}, {@code pg_notify}, {@code pg_serial},
 * {@code pg_snapshots}, {@code pg_stat_tmp} and {@code pg_subtrans}, and signal or label files.
 * Tablespaces are not supported (refused with a clear error).
 */
final class LocalBackup {
    private static final Set<String> EMPTY_DIRS = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    private static final Set<String> SKIP_FILES = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "backup_label.old", "tablespace_map", "standby.signal", "recovery.signal");
    private static final Pattern START_FILE = Pattern.compile("START WAL LOCATION: \\S+ \\(file ([0-9A-F]{24})\\)");

    private final PostgresInstance self;
    private final PostgresInstance upstream;

    LocalBackup(PostgresInstance self, PostgresInstance upstream) {
        this.self = self;
        this.upstream = upstream;
    }

    void copyInto(Path target) {
        Path source = upstream.config().dataDir().orElseThrow();
        upstream.withConnection("take a low-level base backup", c -> {
            copyDuringBackup(c, source, target);
            return null;
        });
    }

    private void copyDuringBackup(Connection c, Path source, Path target) throws SQLException {
        int version;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT current_setting('server_version_num')::int")) {
            rs.next();
            version = rs.getInt(1);
        }
        boolean modern = version >= 150000;
        try (PreparedStatement ps = c.prepareStatement(modern ? "SELECT pg_backup_start(?, true)"
                : "SELECT pg_start_backup(?, true, false)")) {
            ps.setString(1, "leasehold clone for " + self.slotName());
            ps.executeQuery().close();
        }
        String label;
        String spcmap;
        try {
            if (hasTablespaces(source)) {
                throw new PostgresException("cannot copy " + source + ": tablespaces (pg_tblspc) are not supported"
                        + " by the local copy; install pg_basebackup");
            }
            copyTree(source, target);
        } finally {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(modern
                    ? "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                    : "SELECT labelfile, spcmapfile FROM pg_stop_backup(false)")) {
                rs.next();
                label = rs.getString(1);
                spcmap = rs.getString(2);
            }
        }
        write(target.resolve("backup_label"), label);
        if (spcmap != null && !spcmap.isEmpty()) {
            write(target.resolve("tablespace_map"), spcmap);
        }
        copyWal(source.resolve("pg_wal"), target.resolve("pg_wal"), startSegment(label));
    }

    private static boolean hasTablespaces(Path source) {
        try (Stream<Path> entries = Files.list(source.resolve("pg_tblspc"))) {
            return entries.findAny().isPresent();
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new PostgresException("cannot list " + source.resolve("pg_tblspc") + ": " + e, e);
        }
    }

    private static String startSegment(String label) {
        Matcher m = START_FILE.matcher(label);
        if (!m.find()) {
            throw new PostgresException("backup label has no START WAL LOCATION: " + label);
        }
        return m.group(1);
    }

    private static void copyTree(Path source, Path target) {
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Path rel = source.relativize(dir);
                    Files.createDirectories(target.resolve(rel.toString()));
                    if (rel.getNameCount() == 1 && EMPTY_DIRS.contains(rel.toString())) {
                        if (rel.toString().equals("pg_wal")) {
                            Files.createDirectories(target.resolve("pg_wal").resolve("archive_status"));
                        }
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path rel = source.relativize(file);
                    String name = file.getFileName().toString();
                    if ((rel.getNameCount() == 1 && SKIP_FILES.contains(name)) || name.startsWith("pgsql_tmp")) {
                        return FileVisitResult.CONTINUE;
                    }
                    try {
                        Files.copy(file, target.resolve(rel.toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException gone) {
                        // dropped during the backup: WAL replay recreates what is needed
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new PostgresException("cannot copy " + source + " to " + target + ": " + e, e);
        }
    }

    /** Copies WAL segments from the backup's start segment on, and all timeline history files. */
    private static void copyWal(Path sourceWal, Path targetWal, String startSegment) {
        String startPosition = startSegment.substring(8);
        try (Stream<Path> files = Files.list(sourceWal)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean segment = name.matches("[0-9A-F]{24}") && name.substring(8).compareTo(startPosition) >= 0;
                if (segment || name.matches("[0-9A-F]{8}\\.history")) {
                    try {
                        Files.copy(f, targetWal.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException gone) {
                        // removed or recycled meanwhile: streaming supplies it
                    }
                }
            }
        } catch (IOException e) {
            throw new PostgresException("cannot copy WAL from " + sourceWal + ": " + e, e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PostgresException("cannot write " + file + ": " + e, e);
        }
    }
}
