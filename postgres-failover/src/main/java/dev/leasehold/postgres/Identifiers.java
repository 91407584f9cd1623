package dev.leasehold.postgres;

import java.util.regex.Pattern;

/**
 * The one place that checks and quotes names that end up in SQL, configuration files or
 * connection strings. Nothing else builds SQL or conninfo text from strings.
 *
 * <ul>
 *   <li>Member names are Kubernetes pod names (DNS labels: {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}, at
 *       most 63 characters).
 *   <li>Slot names and application names are {@code [a-z0-9_]{1,63}}; {@link #slotNameFor} maps a
 *       member name to one by replacing {@code -} with {@code _}.
 *   <li>Role names are {@code [A-Za-z_][A-Za-z0-9_]{0,62}}: no quotes, spaces or other characters
 *       that would need quoting in a passfile or in {@code pg_hba.conf}.
 * </ul>
 */
public final class Identifiers {
    private static final Pattern MEMBER = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private Identifiers() {
    }

    /** Checks a member (pod) name and returns it. */
    public static String requireMemberName(String parameter, String name) {
        if (name == null || !MEMBER.matcher(name).matches()) {
            throw new IllegalArgumentException(parameter + " '" + name
                    + "' is not a valid member name: it must be a DNS label (lower-case letters, digits and '-',"
                    + " starting and ending with a letter or digit, at most 63 characters)");
        }
        return name;
    }

    /** Checks a replication slot name (also used as {@code application_name}) and returns it. */
    public static String requireSlotName(String parameter, String name) {
        if (name == null || !SLOT.matcher(name).matches()) {
            throw new IllegalArgumentException(parameter + " '" + name
                    + "' is not a valid slot name: it must match [a-z0-9_]{1,63}");
        }
        return name;
    }

    /** Checks a role (user) name and returns it. */
    public static String requireRoleName(String parameter, String name) {
        if (name == null || !ROLE.matcher(name).matches()) {
            throw new IllegalArgumentException(parameter + " '" + name
                    + "' is not a valid role or database name: it must match [A-Za-z_][A-Za-z0-9_]{0,62}"
                    + " (no quotes, spaces or punctuation)");
        }
        return name;
    }

    /** The slot (and application) name of a member: {@code pg-0} becomes {@code pg_0}. */
    public static String slotNameFor(String memberName) {
        return requireMemberName("member name", memberName).replace('-', '_');
    }

    /** Quotes an SQL identifier: {@code "name"} with embedded double quotes doubled. */
    public static String quoteIdentifier(String name) {
        rejectNul("identifier", name);
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * Quotes an SQL string literal in the escape form {@code E'...'}, which means the same whatever
     * {@code standard_conforming_strings} is.
     */
    public static String quoteLiteral(String value) {
        rejectNul("literal", value);
        return "E'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Quotes a value in a libpq connection string: {@code 'value'} with {@code \} and {@code '} escaped. */
    public static String quoteConninfoValue(String value) {
        rejectNul("connection string value", value);
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Quotes a value in postgresql.conf syntax: {@code 'value'} with {@code '} doubled. */
    static String quoteConfigValue(String value) {
        rejectNul("configuration value", value);
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("configuration value must not contain a line break: '" + value + "'");
        }
        return "'" + value.replace("'", "''") + "'";
    }

    private static void rejectNul(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain a NUL character: '"
                    + value.replace("\0", "\\0") + "'");
        }
    }
}
