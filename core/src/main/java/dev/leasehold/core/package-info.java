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
 *   <li><b>Deletion and restores.</b> A follower that has seen a holder never takes the lock sooner than a full
 *       lease after it last saw that holder's record change, whether the object is then deleted, emptied,
 *       recreated or overwritten with an old record; an object it sees go missing is taken a lease later at the
 *       earliest; a release counts only for the holder it last saw.</li>
 *   <li><b>Fencing.</b> Every acquisition writes a term one above the highest this candidate ever saw on the
 *       lock, so terms never repeat for an observer that saw them, across deletion and recreation too. A record
 *       naming this identity is this elector's only with the term it won at the version it wrote, so two
 *       processes with the same identity do not both lead (one limit below).</li>
 *   <li><b>A lost answer does not cost a lease.</b> When an acquisition's answer is lost (a timeout, a connection
 *       reset after the request went out, a 5xx after the write) and the record read back is exactly the one it
 *       sent (holder, term, acquire and renew times), the elector leads on it at once, valid from when the write
 *       was sent. Only on a lock that keeps times to the microsecond or finer
 *       ({@link dev.leasehold.core.spi.ResourceLock#timePrecision()}: the Lease lock); on the annotation locks
 *       (whole seconds) and a {@link dev.leasehold.core.spi.MultiLock} such a record is waited out like any
 *       other holder's.</li>
 *   <li><b>Callbacks.</b> Started-leading only after the winning write; exactly one stopped-leading per
 *       started-leading, in the order the state machine produced them whatever thread closes; never on the
 *       scheduler thread; {@code lost()} completes outside the callback queue.</li>
 *   <li><b>Closing.</b> A closing leader keeps renewing until its stopped-leading callback returns (at most
 *       {@code closeDrainTimeout}, and never past its renew deadline), then releases.</li>
 *   <li><b>No blind overwrite.</b> Every write is a compare-and-swap on the version last read.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>A process that is paused (GC, SIGSTOP, VM freeze) may resume leader-only work after its term ended;
 *       check {@link dev.leasehold.core.Leadership#isValid()} and pass the term downstream where that matters.</li>
 *   <li>Liveness needs the lock's API server: while nobody can write, nobody leads.</li>
 *   <li>Two processes with the same identity (twins) are told apart by the acquire time each writes. If a twin's
 *       acquisition lands with the same term in the same microsecond as ours, and the answer to ours (a conflict)
 *       is lost, both take the record for their own and both lead until one of them stops. Give every process its
 *       own identity (the pod name, not the Deployment's).</li>
 *   <li>The one case no elector can protect: a candidate that never saw the old record. A process starting
 *       fresh (or cut off from the API server throughout) after the lock was deleted or restored from a backup
 *       cannot know that an old leader, itself cut off, still holds a valid term; it may lead at once, and with
 *       a term the old leader already had. Where the lock can be deleted or restored, set
 *       {@code initialWait(true)} (wait one lease after start before the first acquisition) and fence
 *       downstream writes with the term.</li>
 * </ul>
 */
package dev.leasehold.core;
