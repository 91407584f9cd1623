package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The libpq passfile ({@code PGPASSFILE}) through which PostgreSQL programs and a standby's
 * {@code primary_conninfo} get passwords, so that no password is ever a process argument or a line
 * in a configuration file. Written with mode 0600, owned by the server's OS user.
 */
final class Passfile {
    private Passfile() {
    }

    /** Writes the passfile if its content differs and returns its path. */
    static Path ensure(PostgresConfig config) {
        Path path = config.passfile();
        String content = line(config.replication()) + line(config.superuser());
        try {
            if (Files.exists(path) && Files.readString(path, StandardCharsets.UTF_8).equals(content)) {
                return path;
            }
            Files.createDirectories(path.getParent());
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            config.osUser().ifPresent(u -> u.ownTree(tmp));
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return path;
        } catch (IOException e) {
            throw new PostgresException("cannot write passfile " + path + ": " + e, e);
        }
    }

    private static String line(Credentials c) {
        return "*:*:*:" + c.user() + ":" + c.password().replace("\\", "\\\\").replace(":", "\\:") + "\n";
    }
}
