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
}
