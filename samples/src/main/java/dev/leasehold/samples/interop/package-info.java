/**
 * Interoperability with other libraries' electors on the same lock, run for real: {@link
 * dev.leasehold.samples.interop.ClientGoHandover} hands a Lease back and forth between a Leasehold elector and
 * client-go's own {@code tools/leaderelection} (the Go program in {@code samples/interop/client-go}, run as a
 * child process) on a mock API server, and measures each handover.
 */
package dev.leasehold.samples.interop;
