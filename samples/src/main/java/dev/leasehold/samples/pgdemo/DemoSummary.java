package dev.leasehold.samples.pgdemo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the demo measured.
 *
 * @param killed the member killed with kill -9 (PostgreSQL and agent)
 * @param newPrimary the member that took over
 * @param rto kill to the first write acknowledged by the new primary
 * @param overLease how much of the RTO came after the lease the killed primary had left at the kill expired
 * @param rejoin restart of the killed member to it streaming from the new primary as a replica; empty when it
 *     did not rejoin in time
 * @param switchover request to the first write acknowledged by the target; empty when this build has no
 *     switchover endpoint (or it failed: see {@code switchoverNote})
 * @param switchoverNote what happened to the switchover, in words
 * @param acknowledged writes acknowledged during the run
 * @param lost acknowledged writes missing on the final primary at the end
 * @param lostFrom the members that had acknowledged the lost writes
 * @param synchronous whether synchronous replication was on
 * @param chart the timeline chart written
 */
public record DemoSummary(String killed, String newPrimary, Duration rto, Duration overLease, Optional<Duration> rejoin,
        Optional<Duration> switchover, String switchoverNote, long acknowledged, long lost, java.util.Set<String> lostFrom, boolean synchronous,
        Path chart) {
}
