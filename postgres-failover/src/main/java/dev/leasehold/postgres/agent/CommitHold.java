package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.PostgresException;
import dev.leasehold.postgres.PostgresInstance;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Making a primary's commits wait, and letting them go: {@code synchronous_standby_names} set to a name no
 * standby has, by {@code ALTER SYSTEM} and reload. A session that commits then waits for a confirmation that
 * never comes, until the hold is lifted or the server is stopped (then it gets an error, not an
 * acknowledgement). {@code ALTER SYSTEM} persists in {@code postgresql.auto.conf}, so a hold survives a fence:
 * {@link #clearLeftover} removes it before a later promotion.
 */
final class CommitHold {

    /** The standby name that no standby has. */
    static final String NAME = "leasehold_hold_commits";

    private CommitHold() {
    }

    static void apply(PostgresInstance pg) {
        pg.execute("ALTER SYSTEM SET synchronous_standby_names = '" + NAME + "'");
        pg.execute("SELECT pg_reload_conf()");
    }

    static void lift(PostgresInstance pg) {
        pg.execute("ALTER SYSTEM RESET synchronous_standby_names");
        pg.execute("SELECT pg_reload_conf()");
    }

    /** Lifts a hold left by an earlier term, if there is one; true when there was. */
    static boolean clearLeftover(PostgresInstance pg) {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('synchronous_standby_names')")) {
            rs.next();
            if (!NAME.equals(rs.getString(1))) {
                return false;
            }
        } catch (SQLException e) {
            throw new PostgresException("cannot read synchronous_standby_names of " + pg.describe() + ": "
                    + e.getMessage(), e);
        }
        lift(pg);
        return true;
    }
}
