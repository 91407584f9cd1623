package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.MultiLock;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import dev.leasehold.core.testing.ElectorFixture.Event;
import dev.leasehold.core.testing.Faults;
import dev.leasehold.core.testing.ForwardingLock;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The defects of issue 7, one test named after each, on virtual time unless a real thread is the point. Each
 * failed on the code before its fix.
 */
class ElectorDefectsTest {

    private static final long MS = 1_000_000;

    private final ElectorFixture f = new ElectorFixture();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    private static LeaderElectionRecord record(String holder, long term) {
        return new LeaderElectionRecord(holder, Duration.ofSeconds(4), Optional.empty(), Optional.empty(), term,
                Optional.empty());
    }

    // ---- defect 1 ----------------------------------------------------------------------------------------------

    @Test
    void defect1_aDeletedLockIsNotTakenOverBeforeAFullLeaseAfterTheHoldersLastChange() {
        long[] lastWrite = {0};
        f.store.addWatcher(snapshot -> lastWrite[0] = snapshot.isPresent() ? f.time.now() : lastWrite[0]);
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(1500));
        a.lock.partition(true, true); // cut off: its calls hang, its watch is silent, its term still valid
        f.run(Duration.ofMillis(300));
        long lastChange = lastWrite[0];
        f.store.delete();
        f.run(Duration.ofMillis(100));
        assertThat(a.leadership.isValid()).as("the old leader is still within its renew deadline").isTrue();
        assertThat(b.elector.isLeader()).as("no takeover of a deleted lock while its holder may be valid").isFalse();
        f.run(Duration.ofSeconds(5));
        Event started = f.events("b", "started").get(0);
        assertThat(started.atNanos() - lastChange).isGreaterThanOrEqualTo(f.lease.toNanos());
        assertThat(started.term()).as("terms continue from the highest observed").isEqualTo(2);
        assertThat(f.events("a", "stopped").get(0).atNanos()).isLessThan(started.atNanos());
    }

    @Test
    void defect1_aRestoredRecordNamingTheFollowerIsNotItsOwnUnlessItCarriesItsTerm() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(500));
        a.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        assertThat(b.leadership.term()).isEqualTo(2);
        b.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        Candidate c = f.candidate("c");
        f.run(Duration.ofMillis(100));
        Candidate b2 = f.candidate("b");
        f.run(Duration.ofMillis(100));
        assertThat(c.leadership.term()).isEqualTo(3);
        c.lock.partition(true, true);
        long restoredAt = f.time.now();
        f.store.overwrite(record("b", 1)); // an old backup restored while c is cut off
        f.run(Duration.ofMillis(100));
        assertThat(b2.elector.isLeader()).as("a restored record naming b is not b2's term").isFalse();
        f.run(Duration.ofSeconds(5));
        Event started = f.events("b", "started").get(1);
        assertThat(started.atNanos() - restoredAt).isGreaterThanOrEqualTo(f.lease.toNanos());
        assertThat(started.term()).as("never reissues a term it has seen").isEqualTo(4);
    }

    @Test
    void defect1_aRestoredReleaseOlderThanTheTermSeenIsNotFree() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(1000));
        a.lock.partition(true, true);
        f.store.overwrite(record("", 0)); // restored from before anyone held it
        long restoredAt = f.time.now();
        f.run(Duration.ofMillis(100));
        assertThat(b.elector.isLeader()).isFalse();
        f.run(Duration.ofSeconds(5));
        Event started = f.events("b", "started").get(0);
        assertThat(started.atNanos() - restoredAt).isGreaterThanOrEqualTo(f.lease.toNanos());
        assertThat(started.term()).isEqualTo(2);
    }

    // ---- defect 2 ----------------------------------------------------------------------------------------------

    @Test
    void defect2_callbacksKeepTheStateMachinesOrderWhenCloseRacesTheAcquisition() {
        List<Runnable> parked = new ArrayList<>();
        AtomicReference<LeaderElector> self = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean(true);
        List<Boolean> validAtStart = new ArrayList<>();
        // the first hand-over to the executor comes right after the winning write: close from "another thread"
        // exactly then, before the acquiring step has handed over all its callbacks
        Candidate a = f.candidate("a", true, b -> b.callbackExecutor(task -> {
            if (self.get() != null && self.get().state() == ElectorState.LEADING && armed.getAndSet(false)) {
                self.get().closeAsync();
                parked.add(task);
            } else {
                task.run();
            }
        }).listener(change -> { }).onStartedLeading(l -> {
            validAtStart.add(l.isValid());
            f.events.add(new Event(f.time.now(), "a", "started", l.term()));
        }));
        self.set(a.elector);
        f.run(Duration.ofMillis(100));
        runAll(parked);
        f.run(Duration.ofMillis(100));
        runAll(parked);
        List<String> kinds = f.events.stream().filter(e -> e.identity().equals("a"))
                .map(Event::kind).filter(k -> k.equals("started") || k.equals("stopped")).toList();
        assertThat(kinds).containsExactly("started", "stopped");
        assertThat(validAtStart).containsExactly(false);
        assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);
    }

    // ---- defect 3 ----------------------------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void defect3_startedLeadingThatWaitsOnLostStillEndsAndStoppedLeadingRuns() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        cleanup.add(pool::shutdownNow);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch workEnded = new CountDownLatch(1);
        Candidate a = f.candidate("a", true, b -> b.callbackExecutor(pool)
                .onNewLeader(holder -> { })
                .onStartedLeading(l -> {
                    l.lost().join(); // the natural shape of leader work
                    workEnded.countDown();
                })
                .onStoppedLeading(stopped::countDown));
        f.run(Duration.ofMillis(100));
        a.lock.partition(true, true);
        f.run(Duration.ofSeconds(4));
        assertThat(workEnded.await(10, TimeUnit.SECONDS)).as("lost() completed while started-leading waited")
                .isTrue();
        assertThat(stopped.await(10, TimeUnit.SECONDS)).as("stopped-leading ran after it").isTrue();
    }

    // ---- defect 4 ----------------------------------------------------------------------------------------------

    @Test
    void defect4_twoLiveProcessesWithTheSameIdentityNeverBothLead() {
        List<Candidate> twins = new ArrayList<>();
        AtomicInteger most = new AtomicInteger();
        f.time.afterEachTask(() -> most.accumulateAndGet(
                (int) twins.stream().filter(t -> t.elector.isLeader()).count(), Math::max));
        twins.add(f.candidate("a"));
        f.run(Duration.ofMillis(100));
        twins.add(f.candidate("a"));
        f.run(Duration.ofSeconds(20));
        assertThat(most.get()).as("most valid leaders at once").isEqualTo(1);
        assertThat(twins.stream().filter(t -> t.elector.isLeader()).count()).isEqualTo(1);
    }

    // ---- defect 5 ----------------------------------------------------------------------------------------------

    @Test
    void defect5_multiLockNeverIssuesATermTheSecondaryAlreadyHad() {
        InMemoryLockStore secondary = new InMemoryLockStore("secondary");
        f.store.overwrite(record("", 1));        // the primary: released at term 1
        secondary.overwrite(record("s", 2));     // a secondary-only elector took term 2, then died
        List<Long> terms = new ArrayList<>();
        LeaderElector m = LeaderElector.builder()
                .lock(MultiLock.of(new InMemoryLock(f.store, "m", new Faults(), f.time, new Random(1)),
                        new InMemoryLock(secondary, "m", new Faults(), f.time, new Random(2))))
                .leaseDuration(f.lease).renewDeadline(f.renewDeadline).retryPeriod(f.retry)
                .scheduler(f.time.clock()).callbackExecutor(Runnable::run)
                .onStartedLeading(l -> terms.add(l.term()))
                .build();
        m.start();
        f.run(Duration.ofSeconds(6));
        assertThat(terms).containsExactly(3L);
        assertThat(secondary.record()).map(LeaderElectionRecord::leaderTransitions).contains(3L);
    }

    /** Found by the widened simulation (a fleet in migration, seed 1): a release on one side shortened the wait. */
    @Test
    void multiLockWaitsTheLongerLeaseWhileItsObjectsNameDifferentHolders() {
        InMemoryLockStore secondary = new InMemoryLockStore("secondary");
        f.store.overwrite(new LeaderElectionRecord("", Duration.ofSeconds(1), Optional.empty(), Optional.empty(), 3,
                Optional.empty()));                       // the primary: released, declaring one second
        secondary.overwrite(record("s", 4));              // the secondary: held by a secondary-only elector
        long heldAt = f.time.now();
        List<Long> terms = new ArrayList<>();
        LeaderElector m = LeaderElector.builder()
                .lock(MultiLock.of(new InMemoryLock(f.store, "m", new Faults(), f.time, new Random(1)),
                        new InMemoryLock(secondary, "m", new Faults(), f.time, new Random(2))))
                .leaseDuration(f.lease).renewDeadline(f.renewDeadline).retryPeriod(f.retry)
                .scheduler(f.time.clock()).callbackExecutor(Runnable::run)
                .onStartedLeading(l -> terms.add(l.term()))
                .build();
        m.start();
        f.run(Duration.ofSeconds(3));
        assertThat(terms).as("the secondary's holder keeps its full lease").isEmpty();
        f.run(Duration.ofSeconds(2));
        assertThat(terms).containsExactly(5L);
        assertThat(f.time.now() - heldAt).isGreaterThanOrEqualTo(f.lease.toNanos());
    }

    // ---- defect 6 ----------------------------------------------------------------------------------------------

    @Test
    void defect6_aClosingLeaderKeepsRenewingUntilStoppedLeadingReturns() {
        List<Runnable> parked = new ArrayList<>();
        Candidate a = f.candidate("a", true, b -> b.callbackExecutor(parked::add));
        f.run(Duration.ofMillis(100));
        runAll(parked);
        Candidate b = f.candidate("b");
        f.run(Duration.ofSeconds(1));
        a.elector.closeAsync(); // its stopped-leading callback is slow: it stays parked
        f.run(Duration.ofSeconds(6));
        assertThat(f.events("b", "started")).as("nobody starts while the old leader still works").isEmpty();
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("a");
        runAll(parked); // stopped-leading returns
        f.run(Duration.ofMillis(50));
        runAll(parked);
        assertThat(f.events("b", "started")).hasSize(1);
        assertThat(b.leadership.term()).isEqualTo(2);
    }

    /**
     * Found by the simulation (seed 3704 of a 6,000-schedule run): a leader whose term ended at its renew deadline
     * and that was then closed released the lock while its stopped-leading still ran, so the next leader started
     * before the old one had stopped working.
     */
    @Test
    void defect6_aLeaderClosedAfterItsRenewDeadlineReleasesOnlyAfterStoppedLeadingReturns() {
        f.lease = Duration.ofSeconds(10);
        List<Runnable> parked = new ArrayList<>();
        AtomicBoolean writesHang = new AtomicBoolean();
        Candidate a = f.candidate("a", true, b -> b.callbackExecutor(parked::add).lock(new ForwardingLock(
                new InMemoryLock(f.store, "a", new Faults().latency(Duration.ofMillis(1), Duration.ofMillis(1)),
                        f.time, new Random(3))) {
            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord r) {
                return writesHang.get() ? new CompletableFuture<>() : super.update(expected, r);
            }
        }));
        f.run(Duration.ofMillis(100));
        runAll(parked);
        Candidate b = f.candidate("b");
        f.run(Duration.ofSeconds(1));
        writesHang.set(true);
        f.run(Duration.ofSeconds(4));
        assertThat(a.leadership.isValid()).as("the renew deadline passed").isFalse();
        assertThat(parked).as("stopped-leading is still running").isNotEmpty();
        a.elector.closeAsync();
        writesHang.set(false);
        f.run(Duration.ofSeconds(2));
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).as("not released yet").contains("a");
        assertThat(f.events("b", "started")).isEmpty();
        List<Long> releasedAt = new ArrayList<>();
        f.store.addWatcher(snapshot -> snapshot.flatMap(LockSnapshot::record).filter(LeaderElectionRecord::isReleased)
                .ifPresent(r -> releasedAt.add(f.time.now())));
        long returnedAt = f.time.now();
        runAll(parked); // stopped-leading returns
        f.run(Duration.ofMillis(50));
        runAll(parked);
        f.run(Duration.ofMillis(50));
        assertThat(releasedAt).hasSize(1);
        assertThat(releasedAt.get(0)).isGreaterThanOrEqualTo(returnedAt);
        assertThat(f.events("b", "started")).hasSize(1);
        assertThat(f.events("b", "started").get(0).atNanos()).isGreaterThanOrEqualTo(releasedAt.get(0));
    }

    // ---- defect 8 ----------------------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void defect8_closeAsyncNeverRunsUserCodeOnTheScheduler() throws Exception {
        SystemScheduler scheduler = ElectionScheduler.create("defect8", 1);
        cleanup.add(scheduler);
        ExecutorService pool = Executors.newCachedThreadPool();
        cleanup.add(pool::shutdownNow);
        InMemoryLockStore otherStore = new InMemoryLockStore("other");
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        LeaderElector a = realElector(new InMemoryLock(f.store, "a"), scheduler, pool, () -> {
            try {
                stopping.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        LeaderElector other = realElector(new InMemoryLock(otherStore, "o"), scheduler, pool, () -> { });
        a.start();
        other.start();
        awaitTrue(() -> a.isLeader() && other.isLeader());
        AtomicReference<String> ranOn = new AtomicReference<>();
        CountDownLatch entered = new CountDownLatch(1);
        a.closeAsync().thenRun(() -> {
            ranOn.set(Thread.currentThread().getName());
            entered.countDown();
            try {
                leave.await(); // a user's slow continuation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopping.countDown();
        try {
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
            int writes = otherStore.writes();
            awaitTrue(() -> otherStore.writes() >= writes + 3);
            assertThat(other.isLeader()).isTrue();
            assertThat(ranOn.get()).doesNotStartWith("defect8");
        } finally {
            leave.countDown();
            other.closeAsync();
        }
    }

    private static LeaderElector realElector(ResourceLock lock, ElectionScheduler scheduler, ExecutorService pool,
            Runnable onStopped) {
        return LeaderElector.builder().lock(lock)
                .leaseDuration(Duration.ofMillis(800)).renewDeadline(Duration.ofMillis(600))
                .retryPeriod(Duration.ofMillis(100))
                .scheduler(scheduler).callbackExecutor(pool).onStoppedLeading(onStopped).build();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - until).as("condition within 20 s").isNegative();
            Thread.sleep(10);
        }
    }

    // ---- defect 9 ----------------------------------------------------------------------------------------------

    @Test
    void defect9_anOverflowingLeaseDurationInAForeignRecordDoesNotDisableAPollingFollower() {
        Candidate b = f.candidate("b", false, builder -> builder);
        f.run(Duration.ofMillis(100));
        b.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        Candidate c = f.candidate("c", false, builder -> builder);
        f.store.overwrite(new LeaderElectionRecord("x", Duration.ofSeconds(18_446_744_073L), Optional.empty(),
                Optional.empty(), 5, Optional.empty()));
        long hostileAt = f.time.now();
        f.run(Duration.ofSeconds(2));
        assertThat(c.elector.isLeader()).isFalse();
        f.run(Duration.ofSeconds(4));
        Event started = f.events("c", "started").get(0);
        assertThat(started.atNanos() - hostileAt).as("treated as unreadable: our own lease from its last change")
                .isGreaterThanOrEqualTo(f.lease.toNanos());
        assertThat(started.term()).isEqualTo(6);
    }

    @Test
    void defect9_aSchedulerTaskThatThrowsIsLoggedAndTheLoopLivesOn() {
        AtomicInteger reads = new AtomicInteger();
        Candidate a = f.candidate("a", false, b -> b.lock(new ForwardingLock(
                new InMemoryLock(f.store, "a")) {
            @Override
            @SuppressWarnings("unchecked")
            public CompletableFuture<Optional<LockSnapshot>> get() {
                // a broken lock answers null instead of an Optional once
                return reads.getAndIncrement() == 0 ? CompletableFuture.completedFuture(null) : super.get();
            }
        }));
        f.run(Duration.ofSeconds(3));
        assertThat(reads.get()).isGreaterThan(1);
        assertThat(a.elector.isLeader()).isTrue();
    }

    // ---- defect 10 ---------------------------------------------------------------------------------------------

    @Test
    @Timeout(15)
    void defect10_closeFromInsideACallbackReturnsPromptly() {
        f.lease = Duration.ofSeconds(60);
        f.renewDeadline = Duration.ofSeconds(40);
        f.retry = Duration.ofSeconds(10);
        AtomicReference<LeaderElector> self = new AtomicReference<>();
        AtomicBoolean returned = new AtomicBoolean();
        Candidate a = f.candidate("a", true, b -> b.onStartedLeading(l -> {
            self.get().close();
            returned.set(true);
        }));
        self.set(a.elector);
        f.run(Duration.ofMillis(100));
        assertThat(returned).isTrue();
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);
    }

    // ---- also from the issue -----------------------------------------------------------------------------------

    @Test
    void anAcquisitionInFlightAtCloseThatTimesOutIsReadAgainAndReleased() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        AtomicBoolean hang = new AtomicBoolean(true);
        Candidate b = f.candidate("b", true, builder -> builder.lock(new ForwardingLock(
                new InMemoryLock(f.store, "b")) {
            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord r) {
                CompletableFuture<LockSnapshot> landed = super.update(expected, r);
                return r.isHeldBy("b") && hang.getAndSet(false) ? new CompletableFuture<>() : landed;
            }
        }));
        f.run(Duration.ofMillis(100));
        a.elector.closeAsync();
        f.run(Duration.ofMillis(20)); // b's acquisition landed; its answer never comes
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("b");
        b.elector.closeAsync();
        f.run(Duration.ofSeconds(3));
        assertThat(b.elector.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);
    }

    @Test
    void aFollowerWithAHalfOpenWatchStillSeesAReleaseWellBeforeExpiry() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(100));
        b.lock.faults().dropNotificationRate = 1; // the watch stays "up" but delivers nothing
        long lastRead = f.time.now();
        f.run(Duration.ofMillis(300));
        a.elector.closeAsync();
        f.run(Duration.ofSeconds(5));
        Event started = f.events("b", "started").get(0);
        assertThat(started.atNanos() - lastRead).as("re-read within half a lease, not at expiry")
                .isLessThan(f.lease.toNanos() / 2 + 500 * MS);
    }

    @Test
    void aFollowerWithAHealthyWatchMakesNoCallsWhileTheLeaderRenews() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(100));
        int calls = b.lock.calls();
        f.run(Duration.ofSeconds(30));
        assertThat(b.lock.calls() - calls).as("the leader's renewals are the watch's heartbeat").isZero();
        assertThat(a.elector.isLeader()).isTrue();
    }

    private static void runAll(List<Runnable> parked) {
        while (!parked.isEmpty()) {
            parked.remove(0).run();
        }
    }
}
