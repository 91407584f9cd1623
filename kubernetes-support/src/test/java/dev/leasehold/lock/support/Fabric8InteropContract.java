package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Leasehold electors and fabric8's own {@code LeaderElector} contending for one lock object: sampled every
 * 2 ms, never two leaders; leadership goes from fabric8 to Leasehold and back. Every wait is for an event, bounded
 * generously ({@link MockApiBase#PATIENCE}) so that a loaded machine makes the test slower, never failed; the sampler is
 * required to have looked after each step, not to have looked a number of times.
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
        await().atMost(PATIENCE).until(f1::leading);
        Fleet.Leasehold l1 = fleet.leasehold(ours(client, "l1"));
        await().atMost(PATIENCE).until(() -> l1.leadersSeen().contains("f1"));
        assertThat(l1.elector().currentLeader()).contains("f1");
        assertThat(l1.leading()).isFalse();

        // fabric8 -> Leasehold
        f1.stop();
        if (fabric8ReleaseLands()) {
            // fabric8 calls its stop callback after its release: the record no longer names it then (had the
            // release not landed, it would name f1 until its lease expired)
            await().atMost(PATIENCE).until(() -> f1.stoppedAt() > 0);
            assertThat(holder()).as("the record right after fabric8's release").isNotEqualTo("f1");
        }
        await().atMost(PATIENCE).until(() -> l1.leading() && l1.startedAt() > 0);
        sampledSince(fleet.samples());

        // a fabric8 elector joins while Leasehold leads: it does not take over
        Fleet.Fabric8 f2 = fleet.fabric8(client, "f2", theirs("f2"));
        if (fabric8ReadsOurHeldRecord()) {
            await().atMost(PATIENCE).until(() -> f2.leadersSeen().contains("l1"));
        } else {
            // it cannot read client-go's held record; it keeps failing to create the object and stays a follower,
            // through two of its retry periods at the least (seen by the sampler, however slowly it runs)
            long joined = System.nanoTime();
            await().atMost(PATIENCE).until(() -> System.nanoTime() - joined > 2 * Fleet.RETRY.toNanos());
            sampledSince(fleet.samples());
        }
        assertThat(f2.leading()).isFalse();
        assertThat(l1.leading()).isTrue();

        // Leasehold -> fabric8: our release lands in a shape fabric8 reads, so it takes over at its next retry
        l1.stop();
        await().atMost(PATIENCE).until(f2::leading);
        assertThat(f2.startedAt()).isGreaterThan(l1.stoppedAt());
        sampledSince(fleet.samples());

        // and once more towards Leasehold, with a second Leasehold candidate watching
        Fleet.Leasehold l2 = fleet.leasehold(ours(client, "l2"));
        await().atMost(PATIENCE).until(() -> l2.leadersSeen().contains("f2"));
        f2.stop();
        await().atMost(PATIENCE).until(l2::leading);
        sampledSince(fleet.samples());

        assertThat(fleet.violations()).as("moments with two leaders").isEmpty();
    }

    /** Waits until the sampler has looked at the fleet again after {@code samples}: each step is checked. */
    private void sampledSince(long samples) {
        await().atMost(PATIENCE).until(() -> fleet.samples() > samples);
    }

    /** The holder the lock object's record names now, or "" when none. */
    private String holder() {
        try (ResourceLock probe = ours(client, "probe")) {
            return probe.get().orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join()
                    .flatMap(state -> state.record()).map(record -> record.holderIdentity()).orElse("");
        }
    }
}
