/**
 * Control of PostgreSQL instances for the failover agent: what one instance is
 * ({@link dev.leasehold.postgres.PostgresInstance#status()}), and the actions that turn leadership
 * into PostgreSQL state: promote, fence, follow, rejoin (rewind or re-clone), replication slots and
 * synchronous standbys. PostgreSQL 13 or newer.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link dev.leasehold.postgres.PostgresInstance#promote promote} returns only once the server
 *       has committed a write on a timeline newer than the one it replayed.</li>
 *   <li>{@link dev.leasehold.postgres.PostgresInstance#fence fence} returns only once the postmaster
 *       is gone: fast shutdown, escalated to immediate shutdown and then to a kill when a deadline
 *       passes. A stopped postmaster accepts nothing, which no setting can override.</li>
 *   <li>{@link dev.leasehold.postgres.PostgresInstance#rejoin rejoin} never starts an instance whose
 *       WAL diverged from the new primary's history: it rewinds ({@code pg_rewind}) or re-clones
 *       first, checks the result again, and reports which it did.</li>
 *   <li>{@link dev.leasehold.postgres.PostgresInstance#initdb initdb} never leaves a data directory
 *       that looks valid but is half made (it is made beside it and renamed into place), never writes
 *       over a non-empty directory, and passes the superuser's password through a 0600 file and the
 *       replication user's as a SCRAM verifier on standard input. Nor does a clone replace files
 *       other than a cluster, the member's own configuration files or an earlier clone's leftovers.</li>
 *   <li>Names that reach SQL, configuration or connection strings are checked by
 *       {@link dev.leasehold.postgres.Identifiers} and quoted; slot names travel as bind parameters.
 *       Passwords reach programs only through a 0600 passfile, never arguments or logs.</li>
 *   <li>An unreachable, starting or refusing server is a {@link dev.leasehold.postgres.PostgresStatus}
 *       state, not an exception.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>Fence, start, rejoin and clone need the data directory on this machine (the agent runs beside
 *       the server). The clone without {@code pg_basebackup} also needs the upstream's data directory
 *       on this machine; it exists for PostgreSQL distributions without client programs.</li>
 *   <li>Tablespaces are not supported by the local-copy clone.</li>
 *   <li>{@code initdb}'s data directory must not be a mount point (the rename replaces it).</li>
 *   <li>{@code pg_control} is read for versions 13 to 17 only; other versions count as diverged (the
 *       safe answer: rewind or re-clone).</li>
 *   <li>Each call opens its own short connection; nothing here runs in the background.</li>
 * </ul>
 */
package dev.leasehold.postgres;
