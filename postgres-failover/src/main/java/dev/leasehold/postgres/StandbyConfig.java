package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What makes a data directory a standby of an upstream: {@code primary_conninfo} and
 * {@code primary_slot_name} (in {@code postgresql.auto.conf}) and {@code standby.signal}. Also keeps an
 * instance's own configuration files across a rewind or re-clone, which would otherwise replace
 * them with the upstream's (its port, its pg_hba.conf).
 */
final class StandbyConfig {
    /** Files that describe this instance, not its data. */
    static final List<String> OWN_FILES = List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf");

    private StandbyConfig() {
    }

    /** The libpq connection string a standby uses to reach its upstream; the password is in the passfile. */
    static String conninfo(PostgresInstance self, PostgresInstance upstream) {
        PostgresConfig up = upstream.config();
        return "host=" + Identifiers.quoteConninfoValue(up.host()) + " port=" + up.port() + " user="
                + Identifiers.quoteConninfoValue(self.config().replication().user()) + " passfile="
                + Identifiers.quoteConninfoValue(self.config().passfile().toString()) + " application_name="
                + Identifiers.quoteConninfoValue(self.slotName()) + " connect_timeout=3";
    }

    /** Writes the standby settings into a stopped instance's data directory. */
    static void writeForStopped(PostgresInstance self, PostgresInstance upstream) {
        Path data = self.requireDataDir();
        Passfile.ensure(self.config());
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("primary_conninfo", conninfo(self, upstream));
        settings.put("primary_slot_name", self.slotName());
        setAutoConf(self, data, settings);
        writeOwned(self, data.resolve("standby.signal"), "");
        deleteQuietly(data.resolve("recovery.signal"));
    }

    /** Sets entries in {@code postgresql.auto.conf} of a stopped server, keeping the others. */
    static void setAutoConf(PostgresInstance self, Path data, Map<String, String> settings) {
        Path file = data.resolve("postgresql.auto.conf");
        List<String> lines = new ArrayList<>();
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String key = line.strip().split("[\\s=]", 2)[0];
                    if (!settings.containsKey(key)) {
                        lines.add(line);
                    }
                }
            }
        } catch (IOException e) {
            throw new PostgresException("cannot read " + file + ": " + e, e);
        }
        settings.forEach((k, v) -> lines.add(k + " = " + Identifiers.quoteConfigValue(v)));
        writeOwned(self, file, String.join("\n", lines) + "\n");
    }

    static void writeOwned(PostgresInstance self, Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
            self.config().osUser().ifPresent(u -> u.ownTree(file));
        } catch (IOException e) {
            throw new PostgresException("cannot write " + file + ": " + e, e);
        }
    }

    /** Reads this instance's own configuration files, to put back with {@link #restoreOwnFiles}. */
    static Map<String, byte[]> saveOwnFiles(Path data) {
        Map<String, byte[]> saved = new HashMap<>();
        for (String name : OWN_FILES) {
            Path f = data.resolve(name);
            try {
                if (Files.isRegularFile(f)) {
                    saved.put(name, Files.readAllBytes(f));
                }
            } catch (IOException e) {
                throw new PostgresException("cannot read " + f + " to keep it: " + e, e);
            }
        }
        return saved;
    }

    static void restoreOwnFiles(PostgresInstance self, Path data, Map<String, byte[]> saved) {
        saved.forEach((name, bytes) -> {
            Path f = data.resolve(name);
            try {
                Files.write(f, bytes);
                self.config().osUser().ifPresent(u -> u.ownTree(f));
            } catch (IOException e) {
                throw new PostgresException("cannot restore " + f + ": " + e, e);
            }
        });
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new PostgresException("cannot delete " + file + ": " + e, e);
        }
    }
}
