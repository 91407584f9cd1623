package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;

/**
 * This member's status with its heartbeat: sampled from PostgreSQL, and published on its pod when it changes or
 * every {@code statusInterval}. Used on the loop thread.
 */
final class StatusBeat {
    private final LocalProbe probe;
    private final PodPublisher publisher;
    private final AgentState state;
    private final Duration statusInterval;
    private long heartbeat;
    private long lastPublishNanos;
    private MemberStatus lastPublished;

    StatusBeat(LocalProbe probe, PodPublisher publisher, AgentState state, Duration statusInterval) {
        this.probe = probe;
        this.publisher = publisher;
        this.state = state;
        this.statusInterval = statusInterval;
    }

    /** A fresh sample of this member's PostgreSQL, carrying the current heartbeat. */
    MemberStatus sample() {
        return probe.sample(heartbeat);
    }

    void publishIfDue(MemberStatus s) {
        long now = System.nanoTime();
        boolean changed = lastPublished == null || lastPublished.role() != s.role()
                || lastPublished.healthy() != s.healthy() || !lastPublished.upstream().equals(s.upstream())
                || !lastPublished.freeLease().equals(s.freeLease());
        if (changed || now - lastPublishNanos >= statusInterval.toNanos()) {
            publish(s);
        }
    }

    void publish(MemberStatus s) {
        heartbeat++;
        MemberStatus beat = s.beat(heartbeat, s.sampledAt());
        Leadership l = state.leadership;
        publisher.publish(beat, l != null && l.isValid() && s.role() == Role.PRIMARY);
        lastPublished = beat;
        lastPublishNanos = System.nanoTime();
    }
}
