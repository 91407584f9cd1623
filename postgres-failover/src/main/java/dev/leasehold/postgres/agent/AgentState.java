package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the agent's parts share about this member across their threads: the term the elector's callbacks set, the
 * server's state the loop samples and every fence clears, and the switchover in progress. The loop, the
 * watchdog, the failsafe thread, the HTTP endpoints and the switchover read it; each field is volatile.
 */
final class AgentState {
    final AtomicBoolean closed = new AtomicBoolean();
    volatile Leadership leadership;
    /** The acquisition gate's latest decision, with the Lease version it was made on. */
    volatile GatedLock.Gate gate = GatedLock.Gate.of(Optional.of("starting"));
    volatile boolean pgWritable;
    /** A fence (or a switchover's stop) is under way: from its first moment the member no longer says it is primary. */
    volatile boolean stopping;
    /** A start of a server that may come up writable is under way: a fence that finds nothing running yet waits. */
    volatile boolean starting;
    volatile MemberStatus own;
    volatile boolean holding;
    volatile String switchingTo;
    volatile long lastTerm;
    volatile boolean servedTerm; // this member was the primary of a valid term and is not fenced since

    /** Closes the gate for {@code why}, keeping the version of the decision it replaces. */
    void closeGate(String why) {
        gate = new GatedLock.Gate(Optional.of(why), gate.leaseVersion());
    }
}
