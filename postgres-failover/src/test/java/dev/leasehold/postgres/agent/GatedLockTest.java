package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.LockUnavailableException;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The acquisition gate holds back only writes that would make this candidate holder. */
class GatedLockTest {

    final InMemoryLockStore store = new InMemoryLockStore("pg");
    final AtomicReference<Optional<String>> refusal = new AtomicReference<>(Optional.of("lagging"));
    final AtomicBoolean abandoned = new AtomicBoolean();
    final GatedLock lock = new GatedLock(new InMemoryLock(store, "pg-1"), refusal::get, abandoned::get);

    static LeaderElectionRecord held(String holder, long transitions) {
        return new LeaderElectionRecord(holder, Duration.ofSeconds(10), Optional.empty(), Optional.empty(),
                transitions, Optional.empty());
    }

    @Test
    void anAcquisitionWaitsForTheGateAndSaysWhy() {
        assertThatThrownBy(() -> lock.create(held("pg-1", 1)).join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(LockUnavailableException.class).hasMessageContaining("lagging");
        assertThat(store.get()).isEmpty();
        LockSnapshot other = store.create(held("pg-0", 1));
        assertThatThrownBy(() -> lock.update(other, held("pg-1", 2)).join())
                .hasCauseInstanceOf(LockUnavailableException.class);
        refusal.set(Optional.empty());
        LockSnapshot mine = lock.update(other, held("pg-1", 2)).join();
        assertThat(mine.record().orElseThrow().holderIdentity()).isEqualTo("pg-1");
    }

    @Test
    void renewsAndReleasesPassAClosedGateButNothingPassesOnceAbandoned() {
        refusal.set(Optional.empty());
        LockSnapshot mine = lock.create(held("pg-1", 1)).join();
        refusal.set(Optional.of("unhealthy"));
        LockSnapshot renewed = lock.update(mine, held("pg-1", 1)).join();
        LockSnapshot released = lock.update(renewed, held("", 1)).join();
        assertThat(released.record().orElseThrow().holderIdentity()).isEmpty();
        abandoned.set(true);
        assertThatThrownBy(() -> lock.update(released, held("", 1)).join())
                .hasCauseInstanceOf(LockUnavailableException.class).hasMessageContaining("abandoned");
    }

    /**
     * The bug: the gate is the agent's last decision on its view of the Lease, the elector reads the Lease itself.
     * Back from a cut, the elector may see a release it may take at once while the gate still reflects the Lease
     * before the cut (a synchronous set that named this member, an older published position), and the acquisition
     * went through on that stale decision. Found by the agent simulation at 20,000 schedules.
     */
    @Test
    void aGateDecidedOnAnOlderLeaseVersionHoldsBackAnAcquisitionOfANewerOne() {
        AtomicReference<GatedLock.Gate> gate = new AtomicReference<>();
        GatedLock versioned = new GatedLock(new InMemoryLock(store, "pg-1"), gate::get, abandoned::get,
                () -> Optional.of("not the named successor"), new AcquireBarrier(System::nanoTime));
        LockSnapshot before = store.create(held("pg-0", 1));
        gate.set(new GatedLock.Gate(Optional.empty(), Optional.of(before.version())));
        LockSnapshot released = store.update(before, held("", 1)); // the view has not seen it yet

        assertThatThrownBy(() -> versioned.update(released, held("pg-1", 2)).join())
                .hasCauseInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("decided on Lease version " + before.version())
                .hasMessageContaining("would replace version " + released.version());
        assertThat(store.get().orElseThrow().record().orElseThrow().holderIdentity()).isEmpty();

        gate.set(new GatedLock.Gate(Optional.empty(), Optional.of(released.version()))); // the next decision
        LockSnapshot mine = versioned.update(released, held("pg-1", 2)).join();
        assertThat(mine.record().orElseThrow().holderIdentity()).isEqualTo("pg-1");
        // renews are never held back, whatever version the gate was decided on
        assertThat(versioned.update(mine, held("pg-1", 2)).join().record().orElseThrow().holderIdentity())
                .isEqualTo("pg-1");
    }
}
