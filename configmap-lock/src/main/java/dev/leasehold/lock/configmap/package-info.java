/**
 * {@link dev.leasehold.lock.configmap.ConfigMapLock}: the lock kept in the annotation
 * {@code control-plane.alpha.kubernetes.io/leader} of a ConfigMap, for fleets that already use one. Its javadoc
 * lists the RBAC rules it needs ({@code get}, {@code update}, {@code watch} on the named ConfigMap,
 * {@code create} on configmaps).
 */
package dev.leasehold.lock.configmap;
