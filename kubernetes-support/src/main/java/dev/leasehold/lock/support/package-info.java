/**
 * The fabric8 plumbing the Kubernetes locks share, written once: {@link dev.leasehold.lock.support.LockCalls}
 * (bounded calls, fabric8's retries off, failures mapped to the SPI),
 * {@link dev.leasehold.lock.support.ObjectWatch} (one watch by name, re-established after errors, closure and
 * 410 Gone), {@link dev.leasehold.lock.support.KubernetesObjectLock} (get / create / compare-and-swap update),
 * {@link dev.leasehold.lock.support.AnnotationRecordCodec} (the annotation record of client-go and fabric8),
 * {@link dev.leasehold.lock.support.KubeTimes} and {@link dev.leasehold.lock.support.WholeSeconds}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>No call outlasts its call timeout: requests go through a view of the caller's client with fabric8's
 *       retries off and its request timeout at the call timeout, and the lock abandons a call that is still
 *       running when the timeout passes.</li>
 *   <li>No thread waits for an API server: requests and watch set-ups are asynchronous
 *       ({@link dev.leasehold.lock.support.ObjectRequests}), so a slow or dead API server, or a slow lock, cannot
 *       delay the calls of another lock.</li>
 *   <li>After {@code close()} no watch of the lock remains, including one whose set-up was in flight.</li>
 *   <li>A stale update or a create that finds the object is a conflict, never an overwrite. An update writes
 *       back every other field of the object as it was read at the expected version.</li>
 *   <li>Lease durations that Kubernetes would truncate (fractional seconds) are rejected, never rounded.</li>
 *   <li>A record that cannot be read is logged at ERROR (once per distinct reason) with the object's
 *       namespace/name and the reason, and reported as unreadable so the elector treats it as held.</li>
 * </ul>
 *
 * <p>Locks that ask for it ({@code sharedWatch(true)}) share one watch per kind and namespace on the same client
 * ({@link dev.leasehold.lock.support.NamespaceWatch}); it needs list/watch on the kind in the namespace.
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>Watch notifications may be late, duplicated or lost; after each (re-)establishment the object is read
 *       once, but the elector must keep treating notifications as hints.</li>
 *   <li>A held record in client-go's annotation format cannot be read by fabric8 7.8.0's elector (see
 *       {@link dev.leasehold.lock.support.AnnotationRecordCodec}).</li>
 * </ul>
 */
package dev.leasehold.lock.support;
