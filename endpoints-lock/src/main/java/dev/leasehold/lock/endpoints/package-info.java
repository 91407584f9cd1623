/**
 * {@link dev.leasehold.lock.endpoints.EndpointsLock}: the lock kept in the annotation
 * {@code control-plane.alpha.kubernetes.io/leader} of a v1 Endpoints object. <strong>The v1 Endpoints API is
 * deprecated in Kubernetes</strong> (since 1.33, in favour of EndpointSlices); the lock keeps working for fleets
 * that still use it and should be migrated to a Lease with {@link dev.leasehold.core.spi.MultiLock}. Its javadoc
 * lists the RBAC rules it needs ({@code get}, {@code update}, {@code watch} on the named Endpoints,
 * {@code create} on endpoints).
 */
package dev.leasehold.lock.endpoints;
