package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Leasehold electors and fabric8's own {@code LeaderElector} contending for one lock object: sampled every
 * 2 ms, never two leaders; leadership goes from fabric8 to Leasehold and back.
 */
public abstract class Fabric8InteropContract extends MockApiBase {


    /** Leasehold's lock on the object. */
    protected abstract ResourceLock ours(KubernetesClient client, String identity);

    /** fabric8's lock on the same object. */
    protected abstract Lock theirs(String identity);

    /**
     * Whether fabric8 can read the record a Leasehold leader holds (true for Lease; false for the annotation
     * record, whose client-go format fabric8 7.8.0 rejects).
     */
    protected abstract boolean fabric8ReadsOurHeldRecord();

    /**
     * Whether fabric8's release lands (false for Lease: its null holder is dropped by the merge patch, so the
     * next leader waits for the lease to expire).
     */
    protected abstract boolean fabric8ReleaseLands();

    @Test
    void aMixedFleetNeverHasTwoLeadersAndHandsOverBothWays() {
        // fabric8 leads first; a Leasehold elector recognises it
        Fleet.Fabric8 f1 = fleet.fabric8(client, "f1", theirs("f1"));
        await().atMost(Duration.ofSeconds(15)).until(f1::leading);
        Fleet.Leasehold l1 = fleet.leasehold(ours(client, "l1"));
        await().atMost(Duration.ofSeconds(15)).until(() -> l1.leadersSeen().contains("f1"));
        assertThat(l1.elector().currentLeader()).contains("f1");
        assertThat(l1.leading()).isFalse();

        // fabric8 -> Leasehold
        long released = System.nanoTime();
        f1.stop();
        await().atMost(Fleet.LEASE.plusSeconds(10)).until(() -> l1.leading() && l1.startedAt() > 0);
        if (fabric8ReleaseLands()) {
            assertThat(Duration.ofNanos(l1.startedAt() - released)).isLessThan(Fleet.LEASE);
        }

        // a fabric8 elector joins while Leasehold leads: it does not take over
        Fleet.Fabric8 f2 = fleet.fabric8(client, "f2", theirs("f2"));
        if (fabric8ReadsOurHeldRecord()) {
            await().atMost(Duration.ofSeconds(15)).until(() -> f2.leadersSeen().contains("l1"));
        } else {
            // it cannot read client-go's held record; it keeps failing to create the object and stays a follower
            await().atMost(Duration.ofSeconds(15)).until(() -> fleet.samples() > 2000);
        }
        assertThat(f2.leading()).isFalse();
        assertThat(l1.leading()).isTrue();

        // Leasehold -> fabric8: our release lands in a shape fabric8 reads, so it takes over at its next retry
        l1.stop();
        await().atMost(Duration.ofSeconds(10)).until(f2::leading);
        assertThat(f2.startedAt()).isGreaterThan(l1.stoppedAt());

        // and once more towards Leasehold, with a second Leasehold candidate watching
        Fleet.Leasehold l2 = fleet.leasehold(ours(client, "l2"));
        await().atMost(Duration.ofSeconds(15)).until(() -> l2.leadersSeen().contains("f2"));
        f2.stop();
        await().atMost(Fleet.LEASE.plusSeconds(10)).until(l2::leading);

        assertThat(fleet.violations()).as("moments with two leaders").isEmpty();
        assertThat(fleet.samples()).isGreaterThan(1000);
    }
}
