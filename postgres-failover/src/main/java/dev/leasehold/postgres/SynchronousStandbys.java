package dev.leasehold.postgres;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Manages {@code synchronous_standby_names} on a primary ({@code ALTER SYSTEM} and reload) and reads
 * which standbys the primary treats as synchronous. Standbys are named by member name and written as
 * their quoted {@code application_name} (the slot name, see {@link Identifiers#slotNameFor}).
 */
public final class SynchronousStandbys {
    private static final Logger LOG = LoggerFactory.getLogger(SynchronousStandbys.class);

    /** {@code ANY n (...)} (quorum) or {@code FIRST n (...)} (priority). */
    public enum Method {
        ANY, FIRST
    }

    private final PostgresInstance instance;

    SynchronousStandbys(PostgresInstance instance) {
        this.instance = instance;
    }

    /** The setting text for a method, a count and members, e.g. {@code ANY 1 ("pg_1", "pg_2")}. */
    public static String setting(Method method, int count, List<String> members) {
        if (method == null) {
            throw new IllegalArgumentException("synchronous method must be ANY or FIRST, not null");
        }
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("synchronous standbys must name at least one member");
        }
        if (count < 1 || count > members.size()) {
            throw new IllegalArgumentException("synchronous standby count " + count + " must be between 1 and "
                    + members.size() + " (the number of members named)");
        }
        return method + " " + count + " (" + members.stream().map(Identifiers::slotNameFor)
                .map(Identifiers::quoteIdentifier).collect(Collectors.joining(", ")) + ")";
    }

    /** Sets {@code synchronous_standby_names} and reloads. */
    public void set(Method method, int count, List<String> members) {
        String value = setting(method, count, members);
        instance.execute("ALTER SYSTEM SET synchronous_standby_names = " + Identifiers.quoteLiteral(value));
        instance.execute("SELECT pg_reload_conf()");
        LOG.info("PostgreSQL {}: synchronous_standby_names = {}", instance.describe(), value);
    }

    /** Clears {@code synchronous_standby_names} (commits no longer wait for standbys) and reloads. */
    public void clear() {
        instance.execute("ALTER SYSTEM RESET synchronous_standby_names");
        instance.execute("SELECT pg_reload_conf()");
        LOG.info("PostgreSQL {}: synchronous_standby_names cleared", instance.describe());
    }

    /** The value the server currently uses ({@code SHOW synchronous_standby_names}). */
    public String configured() {
        return instance.withConnection("read synchronous_standby_names", c -> {
            try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_standby_names")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    /** Application names of the standbys the primary counts as synchronous now. */
    public List<String> synchronous() {
        return instance.withConnection("read synchronous standbys", c -> {
            List<String> names = new ArrayList<>();
            try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT application_name FROM "
                    + "pg_stat_replication WHERE sync_state IN ('sync', 'quorum') ORDER BY application_name")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        });
    }
}
