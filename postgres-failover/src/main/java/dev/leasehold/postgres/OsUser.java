package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An unprivileged operating-system user that PostgreSQL commands run as when this JVM runs as root
 * (PostgreSQL refuses to run as root). Commands are wrapped in {@code setpriv}, which changes user
 * and groups without touching the environment, so {@code PGPASSFILE} passes through.
 *
 * @param name the user name
 * @param uid numeric user id
 * @param gid numeric id of the user's primary group
 * @param group name of the user's primary group
 */
public record OsUser(String name, int uid, int gid, String group) {
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

    public OsUser {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("OS user name '" + name + "' must match [a-z_][a-z0-9_-]{0,31}");
        }
    }

    /** Looks the user up with {@code id}. */
    public static OsUser lookup(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("OS user name '" + name + "' must match [a-z_][a-z0-9_-]{0,31}");
        }
        int uid = Integer.parseInt(id(name, "-u"));
        int gid = Integer.parseInt(id(name, "-g"));
        return new OsUser(name, uid, gid, id(name, "-gn"));
    }

    /** Whether this JVM runs as root (uid 0). */
    public static boolean jvmIsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command prefixed so that it runs as this user. */
    public List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>();
        wrapped.add("setpriv");
        wrapped.add("--reuid=" + uid);
        wrapped.add("--regid=" + gid);
        wrapped.add("--init-groups");
        wrapped.addAll(command);
        return wrapped;
    }

    /** Makes a file or directory tree (not following symbolic links) owned by this user and group. */
    public void ownTree(Path root) {
        try {
            UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(name);
            GroupPrincipal grp = lookup.lookupPrincipalByGroupName(group);
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    own(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    own(file);
                    return FileVisitResult.CONTINUE;
                }

                private void own(Path p) throws IOException {
                    PosixFileAttributeView view =
                            Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                    view.setOwner(user);
                    view.setGroup(grp);
                }
            });
        } catch (IOException e) {
            throw new PostgresException("cannot make " + root + " owned by OS user '" + name + "': " + e, e);
        }
    }

    private static String id(String name, String flag) {
        try {
            Process p = new ProcessBuilder("id", flag, "--", name).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new PostgresException("OS user '" + name + "' not found: id " + flag + " said: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new PostgresException("cannot look up OS user '" + name + "': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while looking up OS user '" + name + "'", e);
        }
    }
}
