package dev.leasehold.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The multi-lock on two in-memory locks: how it reads, writes and watches the pair. */
class MultiLockTest {

    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    private final InMemoryLockStore old = new InMemoryLockStore("configmap");
    private final InMemoryLockStore next = new InMemoryLockStore("lease");

    private MultiLock multi(String identity) {
        return MultiLock.of(new InMemoryLock(old, identity), new InMemoryLock(next, identity));
    }

    private static LeaderElectionRecord held(String holder, long term) {
        return new LeaderElectionRecord(holder, Duration.ofSeconds(15), Optional.of(T0), Optional.of(T0), term,
                Optional.empty());
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw (RuntimeException) e.getCause();
        }
    }

    @Test
    void createWritesBothAndGetReturnsTheRecordWhenBothAgree() {
        MultiLock lock = multi("a");
        LockSnapshot created = join(lock.create(held("a", 1)));

        assertThat(old.record()).contains(held("a", 1));
        assertThat(next.record()).contains(held("a", 1));
        assertThat(join(lock.get())).contains(created);
        assertThat(created.record()).contains(held("a", 1));
    }

    @Test
    void holdersThatDisagreeReadAsAnUnknownHolder() {
        old.create(held("old-style", 3));
        next.create(held("someone", 1));

        LeaderElectionRecord record = join(multi("a").get()).orElseThrow().record().orElseThrow();
        assertThat(record.holderIdentity()).isEqualTo(MultiLock.UNKNOWN_HOLDER);
        assertThat(record.leaderTransitions()).isEqualTo(3);
    }

    @Test
    void whileOnlyThePrimaryExistsItDecidesAndAnUpdateCreatesTheSecondary() {
        old.create(held("old-style", 3));
        MultiLock lock = multi("a");
        LockSnapshot seen = join(lock.get()).orElseThrow();
        assertThat(seen.record()).contains(held("old-style", 3));

        join(lock.update(seen, held("a", 4)));
        assertThat(old.record()).contains(held("a", 4));
        assertThat(next.record()).contains(held("a", 4));
    }

    @Test
    void whileOnlyTheSecondaryExistsItDecidesAndAnUpdateCreatesThePrimary() {
        next.create(held("lease-only", 2));
        MultiLock lock = multi("a");
        LockSnapshot seen = join(lock.get()).orElseThrow();
        assertThat(seen.record()).contains(held("lease-only", 2));

        join(lock.update(seen, held("a", 3)));
        assertThat(old.record()).contains(held("a", 3));
        assertThat(next.record()).contains(held("a", 3));
    }

    @Test
    void aStalePrimaryIsAConflictAndTheSecondaryIsNotTouched() {
        MultiLock a = multi("a");
        LockSnapshot seen = join(a.create(held("a", 1)));
        old.update(old.get().orElseThrow(), held("old-style", 2));

        assertThatThrownBy(() -> join(a.update(seen, held("a", 1)))).isInstanceOf(LockConflictException.class);
        assertThat(next.record()).contains(held("a", 1));
        assertThat(old.record()).contains(held("old-style", 2));
    }

    @Test
    void aStaleSecondaryIsAConflict() {
        MultiLock a = multi("a");
        LockSnapshot seen = join(a.create(held("a", 1)));
        next.update(next.get().orElseThrow(), held("lease-only", 2));

        assertThatThrownBy(() -> join(a.update(seen, held("a", 1)))).isInstanceOf(LockConflictException.class);
        assertThat(next.record()).contains(held("lease-only", 2));
    }

    @Test
    void creatingOverAnExistingPrimaryIsAConflict() {
        old.create(held("old-style", 1));

        assertThatThrownBy(() -> join(multi("a").create(held("a", 1)))).isInstanceOf(LockConflictException.class);
        assertThat(next.get()).isEmpty();
    }

    @Test
    void anUnreadableObjectOnEitherSideMakesTheWholeUnreadable() {
        old.create(held("a", 1));
        next.corrupt("garbage in the lease");

        LockSnapshot snapshot = join(multi("a").get()).orElseThrow();
        assertThat(snapshot.isUnreadable()).isTrue();
        assertThat(snapshot.unreadableReason()).contains("garbage in the lease");
    }

    @Test
    void aVersionNotReadFromAMultiLockIsAConflict() {
        MultiLock lock = multi("a");
        join(lock.create(held("a", 1)));

        assertThatThrownBy(() -> join(lock.update(LockSnapshot.empty("17"), held("a", 1))))
                .isInstanceOf(LockConflictException.class).hasMessageContaining("17");
    }

    @Test
    void versionsSurviveAnyCharacters() {
        for (String[] pair : new String[][] {{"1", "2"}, {"", "9"}, {"12:3", "4:5"}, {"a:b:c", ""}}) {
            assertThat(MultiLock.CombinedVersion.split(MultiLock.CombinedVersion.join(pair[0], pair[1])))
                    .containsExactly(pair[0], pair[1]);
        }
    }

    @Test
    void theWatchIsUpWhenBothAreAndRelaysAChangeOfEitherAsACombinedRead() throws Exception {
        List<String> events = new ArrayList<>();
        MultiLock lock = multi("a");
        LockListener listener = new LockListener() {
            @Override
            public void watchUp() {
                events.add("up");
            }

            @Override
            public void changed(LockSnapshot snapshot) {
                events.add("changed:" + snapshot.record().map(LeaderElectionRecord::holderIdentity).orElse("-"));
            }

            @Override
            public void deleted() {
                events.add("deleted");
            }

            @Override
            public void watchDown(Throwable cause) {
                events.add("down");
            }
        };
        try (AutoCloseable watch = lock.watch(listener).orElseThrow()) {
            assertThat(events).containsExactly("up");
            join(lock.create(held("a", 1)));
            next.update(next.get().orElseThrow(), held("lease-only", 2));
            old.delete();
            next.delete();
        }
        assertThat(events).containsSubsequence("up", "changed:a", "changed:" + MultiLock.UNKNOWN_HOLDER,
                "changed:lease-only", "deleted");
    }

    @Test
    void bothLocksMustBeTwoWithOneIdentity() {
        InMemoryLock a = new InMemoryLock(old, "a");
        assertThatThrownBy(() -> MultiLock.of(a, new InMemoryLock(next, "b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a\"").hasMessageContaining("\"b\"");
        assertThatThrownBy(() -> MultiLock.of(a, a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MultiLock.of(a, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingClosesBoth() {
        InMemoryLock primary = new InMemoryLock(old, "a");
        InMemoryLock secondary = new InMemoryLock(next, "a");
        MultiLock.of(primary, secondary).close();

        assertThat(primary.isClosed()).isTrue();
        assertThat(secondary.isClosed()).isTrue();
    }
}
