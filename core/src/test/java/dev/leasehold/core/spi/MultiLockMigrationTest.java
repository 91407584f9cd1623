package dev.leasehold.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.testing.Faults;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import dev.leasehold.core.testing.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A fleet moving from one lock object to another in virtual time: old electors on the primary alone, electors
 * on the multi-lock, then electors on the secondary alone, with crashes and graceful exits at every stage.
 * After every step at most one elector leads.
 */
class MultiLockMigrationTest {

    private final VirtualScheduler time = new VirtualScheduler();
    private final InMemoryLockStore configMap = new InMemoryLockStore("configmap");
    private final InMemoryLockStore lease = new InMemoryLockStore("lease");
    private final Random random = new Random(7);
    private final List<Member> members = new ArrayList<>();
    private int maxLeaders;
    private int leaderChanges;
    private String lastLeader;

    private record Member(String identity, VirtualScheduler.Clock clock, LeaderElector elector) { }

    private InMemoryLock client(InMemoryLockStore store, String identity) {
        return new InMemoryLock(store, identity, new Faults().latency(Duration.ofMillis(1), Duration.ofMillis(5)),
                time, new Random(random.nextLong()));
    }

    private Member start(String identity, Function<String, ResourceLock> lock) {
        VirtualScheduler.Clock clock = time.clock();
        LeaderElector elector = LeaderElector.builder().lock(lock.apply(identity))
                .leaseDuration(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(3))
                .retryPeriod(Duration.ofSeconds(1)).scheduler(clock).callbackExecutor(Runnable::run)
                .random(new Random(random.nextLong())).build();
        elector.start();
        Member member = new Member(identity, clock, elector);
        members.add(member);
        return member;
    }

    private Member old(String identity) {
        return start(identity, id -> client(configMap, id));
    }

    private Member migrating(String identity) {
        return start(identity, id -> MultiLock.of(client(configMap, id), client(lease, id)));
    }

    private Member updated(String identity) {
        return start(identity, id -> client(lease, id));
    }

    private void crash(Member member) {
        member.clock().kill();
        members.remove(member);
    }

    /** A graceful exit: the elector releases; it stays in the fleet's count until it no longer leads. */
    private void leave(Member member) {
        member.elector().closeAsync();
    }

    private Member leader() {
        return members.stream().filter(m -> m.elector().isLeader()).findFirst().orElseThrow();
    }

    @Test
    void neverTwoLeadersWhileTheFleetMovesFromConfigMapToLease() {
        time.afterEachTask(() -> {
            List<String> leaders = members.stream().filter(m -> m.elector().isLeader()).map(Member::identity)
                    .toList();
            maxLeaders = Math.max(maxLeaders, leaders.size());
            assertThat(leaders).as("leaders at %s", time.elapsed()).hasSizeLessThanOrEqualTo(1);
            if (leaders.size() == 1 && !leaders.get(0).equals(lastLeader)) {
                lastLeader = leaders.get(0);
                leaderChanges++;
            }
        });
        Member old1 = old("old-1");
        Member old2 = old("old-2");
        old("old-3");
        time.runFor(Duration.ofSeconds(10));

        // step 2: old electors are replaced one by one by electors on the multi-lock
        for (int i = 1; i <= 3; i++) {
            Member gone = leader();
            if (i % 2 == 1) {
                crash(gone);
            } else {
                leave(gone);
            }
            migrating("multi-" + i);
            time.runFor(Duration.ofSeconds(12));
        }
        members.stream().filter(m -> m.identity().startsWith("old")).toList().forEach(this::leave);
        time.runFor(Duration.ofSeconds(12));
        assertThat(leader().identity()).startsWith("multi");

        // step 3: multi-lock electors are replaced by electors on the Lease alone
        for (int i = 1; i <= 3; i++) {
            Member gone = leader();
            if (i % 2 == 0) {
                crash(gone);
            } else {
                leave(gone);
            }
            updated("lease-" + i);
            time.runFor(Duration.ofSeconds(12));
        }
        members.stream().filter(m -> m.identity().startsWith("multi")).toList().forEach(this::leave);
        time.runFor(Duration.ofSeconds(12));

        assertThat(leader().identity()).startsWith("lease");
        assertThat(maxLeaders).isEqualTo(1);
        assertThat(leaderChanges).isGreaterThanOrEqualTo(7);
        assertThat(old1.elector().isLeader()).isFalse();
        assertThat(old2.elector().isLeader()).isFalse();
    }
}
