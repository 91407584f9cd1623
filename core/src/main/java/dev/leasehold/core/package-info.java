/**
 * Leader election: {@link dev.leasehold.core.LeaderElector}, its builder, its frozen
 * {@link dev.leasehold.core.ElectionConfig}, the {@link dev.leasehold.core.Leadership} handle of one term, and the
 * {@link dev.leasehold.core.ElectionScheduler} time source.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>One valid term at a time.</b> A leader's term is valid until the start of its last successful renew
 *       plus {@code renewDeadline}; a follower takes over only after {@code leaseDuration} has passed since it
 *       saw the record change. Both are measured on local monotonic clocks, so wall-clock offsets are irrelevant;
 *       clock-rate drift up to {@code maxClockDrift} is covered by the builder's margin rule.</li>
 *   <li><b>Fencing.</b> Every acquisition raises the lock's transition count; the term is that count.</li>
 *   <li><b>Callbacks.</b> Started-leading only after the winning write; exactly one stopped-leading per
 *       started-leading; never on the scheduler thread.</li>
 *   <li><b>No blind overwrite.</b> Every write is a compare-and-swap on the version last read.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>A process that is paused (GC, SIGSTOP, VM freeze) may resume leader-only work after its term ended;
 *       check {@link dev.leasehold.core.Leadership#isValid()} and pass the term downstream where that matters.</li>
 *   <li>Liveness needs the lock's API server: while nobody can write, nobody leads.</li>
 *   <li>Deleting the lock object or writing an unreadable record resets the term count.</li>
 * </ul>
 */
package dev.leasehold.core;
