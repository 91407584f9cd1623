/**
 * The leash: a member's PostgreSQL server runs only until an instant its agent keeps moving forward, enforced by
 * a small guard process ({@link dev.leasehold.postgres.leash.LeashGuard}) of its own, so that a paused or dead
 * agent cannot leave a server acknowledging commits.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>The guard stops every process of the server ({@code SIGSTOP} of the postmaster, then {@code SIGKILL} of
 *       its children and of it) when the last instant the agent sent passes, within its reaction time (a park
 *       on the monotonic clock and the shell's built-in {@code kill}: no fork, no class loading), whether the
 *       agent's JVM runs, is paused (GC, CPU quota, {@code SIGSTOP}) or is dead.</li>
 *   <li>When the agent's process ends, for any reason including {@code kill -9}, the kernel closes its end of
 *       the pipe and the guard stops the server at once.</li>
 *   <li>Instants travel as absolute values of {@code CLOCK_MONOTONIC}, so a late write can only shorten the
 *       leash; the guard refuses to run if the agent's clock is ahead of its own.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>The guard is one more process on the same machine: a fault that freezes both (a whole container or VM
 *       frozen, both processes sent {@code SIGSTOP}) stops the enforcement too; after a thaw the guard stops the
 *       server within one check (20 ms) and its reaction, but the server may run in between.</li>
 *   <li>Linux only ({@code /proc}, a shared {@code CLOCK_MONOTONIC}); the guard and the server run as the same
 *       user (or the guard as root).</li>
 * </ul>
 */
package dev.leasehold.postgres.leash;
