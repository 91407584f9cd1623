/**
 * {@link dev.leasehold.lock.lease.LeaseLock}: the lock on a {@code coordination.k8s.io/v1} Lease, the one to use
 * for new deployments. Its javadoc lists the Lease fields it reads and writes and the RBAC rules it needs
 * ({@code get}, {@code update}, {@code watch} on the named Lease, {@code create} on leases).
 */
package dev.leasehold.lock.lease;
