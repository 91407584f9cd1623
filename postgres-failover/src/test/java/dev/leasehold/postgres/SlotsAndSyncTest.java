package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.testing.PostgresCluster;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Replication slots and synchronous standbys on one shared 3-member cluster (pg-0 primary). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlotsAndSyncTest {
    private PostgresCluster cluster;
    private PostgresInstance primary;

    @BeforeAll
    void start() {
        cluster = PostgresCluster.start(3);
        primary = cluster.member(0);
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void anyAndFirstAreAppliedAndObservedAndClearMakesAllAsync() {
        SynchronousStandbys sync = primary.synchronousStandbys();
        sync.set(SynchronousStandbys.Method.ANY, 1, List.of("pg-1", "pg-2"));
        assertThat(sync.configured()).isEqualTo("ANY 1 (\"pg_1\", \"pg_2\")");
        await().atMost(Duration.ofSeconds(30)).until(() -> sync.synchronous().equals(List.of("pg_1", "pg_2")));
        assertThat(primary.status().replicas()).extracting(ReplicationConnection::syncState)
                .containsOnly("quorum");

        sync.set(SynchronousStandbys.Method.FIRST, 1, List.of("pg-2", "pg-1"));
        assertThat(sync.configured()).isEqualTo("FIRST 1 (\"pg_2\", \"pg_1\")");
        await().atMost(Duration.ofSeconds(30)).until(() -> sync.synchronous().equals(List.of("pg_2")));
        assertThat(primary.status().replicas()).extracting(ReplicationConnection::applicationName,
                ReplicationConnection::syncState).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("pg_1", "potential"),
                        org.assertj.core.groups.Tuple.tuple("pg_2", "sync"));
        // a commit is acknowledged while the synchronous standby streams
        primary.execute("CREATE TABLE sync_probe (id int)");

        sync.clear();
        assertThat(sync.configured()).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> sync.synchronous().isEmpty());
    }

    @Test
    void slotKeeperCreatesMemberSlotsAndDropsThoseGoneLongerThanTheGrace() {
        AtomicLong nanos = new AtomicLong();
        SlotKeeper keeper = new SlotKeeper(Duration.ofSeconds(60), nanos::get);
        SlotKeeper.Changes first = keeper.reconcile(primary, Set.of("pg-0", "pg-1", "pg-2", "pg-3"));
        assertThat(first.created()).containsExactly("pg_3");
        assertThat(first.dropped()).isEmpty();
        assertThat(slotNames()).containsExactly("pg_1", "pg_2", "pg_3");

        assertThat(keeper.reconcile(primary, Set.of("pg-0", "pg-1", "pg-2")).dropped()).isEmpty();
        nanos.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(keeper.reconcile(primary, Set.of("pg-0", "pg-1", "pg-2")).dropped()).isEmpty();
        assertThat(slotNames()).contains("pg_3");
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(keeper.reconcile(primary, Set.of("pg-0", "pg-1", "pg-2")).dropped()).containsExactly("pg_3");
        assertThat(slotNames()).containsExactly("pg_1", "pg_2");
    }

    @Test
    void slotsAreCreatedOnceDroppedOnceAndAnActiveSlotIsNotDropped() {
        ReplicationSlots slots = primary.slots();
        assertThat(slots.create("spare_slot")).isTrue();
        assertThat(slots.create("spare_slot")).isFalse();
        assertThat(slots.list()).filteredOn(s -> s.name().equals("spare_slot")).singleElement()
                .satisfies(s -> assertThat(s.active()).isFalse())
                .satisfies(s -> assertThat(s.restartLsn()).isPresent());
        assertThat(slots.drop("spare_slot")).isTrue();
        assertThat(slots.drop("spare_slot")).isFalse();
        assertThatThrownBy(() -> slots.drop("pg_1")).isInstanceOf(PostgresException.class)
                .hasMessageContaining("drop replication slot 'pg_1'").hasMessageContaining("active");
    }

    @Test
    void statusShowsReplicasWithLagAndStandbysWithTheirUpstream() {
        PostgresStatus p = primary.status();
        assertThat(p.state()).isEqualTo(PostgresStatus.State.PRIMARY);
        assertThat(p.timeline()).isEqualTo(1);
        assertThat(p.serverVersion()).isGreaterThanOrEqualTo(130000);
        assertThat(p.replicas()).extracting(ReplicationConnection::applicationName).containsExactly("pg_1", "pg_2");
        assertThat(p.replicas()).allSatisfy(r -> {
            assertThat(r.clientAddress()).contains("127.0.0.1");
            assertThat(r.lagBytes()).isGreaterThanOrEqualTo(0);
        });
        PostgresStatus s = cluster.member(1).status();
        assertThat(s.state()).isEqualTo(PostgresStatus.State.STANDBY);
        assertThat(s.streaming()).isTrue();
        assertThat(s.upstream().orElseThrow().senderPort()).isEqualTo(primary.config().port());
        assertThat(s.upstream().orElseThrow().slotName()).contains("pg_1");
        assertThat(s.position()).isPresent();
        assertThat(s.replayLagBytes()).isGreaterThanOrEqualTo(0);
    }

    private List<String> slotNames() {
        return primary.slots().list().stream().map(ReplicationSlots.Slot::name).toList();
    }
}
