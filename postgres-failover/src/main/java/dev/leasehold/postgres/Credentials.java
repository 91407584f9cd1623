package dev.leasehold.postgres;

/**
 * A PostgreSQL user name and password. {@link #toString()} never shows the password.
 *
 * @param user the role name, validated by {@link Identifiers#requireRoleName}
 * @param password the password; must not be empty or contain a newline
 */
public record Credentials(String user, String password) {

    public Credentials {
        Identifiers.requireRoleName("user", user);
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("password for user '" + user + "' must not be empty");
        }
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0 || password.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "password for user '" + user + "' must not contain a line break or NUL character");
        }
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=***]";
    }
}
