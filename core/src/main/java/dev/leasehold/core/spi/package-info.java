/**
 * The service-provider interface for lock authors: {@link dev.leasehold.core.spi.ResourceLock}, the record it
 * stores and the failures it reports. Application code does not need this package except to pick a lock.
 */
package dev.leasehold.core.spi;
