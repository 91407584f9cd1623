package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import dev.leasehold.core.testing.ElectorFixture.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** The elector's transitions, each on virtual time with 4 s / 3 s / 1 s timings and 1 ms per call each way. */
class LeaderElectorTest {

    private static final long MS = 1_000_000;

    private final ElectorFixture f = new ElectorFixture();
    private final long[] lastWriteAt = {-1};

    {
        f.store.addWatcher(snapshot -> lastWriteAt[0] = f.time.now());
    }

    @Test
    void firstCandidateCreatesTheLockLeadsWithTermOneAndRenews() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.state()).isEqualTo(ElectorState.LEADING);
        assertThat(a.elector.isLeader()).isTrue();
        assertThat(a.leadership.term()).isEqualTo(1);
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("a");
        int writes = f.store.writes();
        f.run(Duration.ofSeconds(10));
        assertThat(f.store.writes() - writes).as("one renew per retry period").isBetween(9, 11);
        assertThat(a.elector.currentLeader()).contains("a");
        assertThat(f.events("a", "started")).hasSize(1);
        assertThat(f.events("a", "leader=a")).hasSize(1);
    }

    @Test
    void validForCountsDownToTheRenewDeadlineAndIsZeroOnceTheTermEnds() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Leadership term = a.leadership;
        // renews every second, each valid until its start + 3 s: between 2 s and 3 s are always left
        for (int i = 0; i < 5; i++) {
            f.run(Duration.ofMillis(700));
            assertThat(term.validFor()).isBetween(Duration.ofMillis(1990), Duration.ofSeconds(3));
        }
        a.elector.closeAsync();
        f.run(Duration.ofMillis(50));
        assertThat(term.validFor()).isEqualTo(Duration.ZERO);
        assertThat(term.isValid()).isFalse();
    }

    @Test
    void followerTakesOverTheMomentTheLeaderReleases() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofSeconds(5));
        assertThat(b.elector.state()).isEqualTo(ElectorState.FOLLOWING);
        assertThat(b.elector.currentLeader()).contains("a");

        long closedAt = f.time.now();
        a.elector.closeAsync();
        f.run(Duration.ofMillis(50));

        Event started = f.events("b", "started").get(0);
        assertThat(started.atNanos() - closedAt).as("release write + notification + acquisition")
                .isLessThanOrEqualTo(10 * MS);
        assertThat(started.term()).isEqualTo(2);
        assertThat(f.events("a", "stopped")).hasSize(1);
        assertThat(f.events("a", "stopped").get(0).atNanos()).isLessThanOrEqualTo(started.atNanos());
        assertThat(a.elector.state()).isEqualTo(ElectorState.STOPPED);
    }

    @Test
    void followerTakesOverAtTheExactExpiryInstantAfterACrash() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(2500));
        a.crash();
        long lastChangeSeen = lastWriteAt[0] + MS; // the notification takes 1 ms
        f.run(Duration.ofSeconds(6));

        Event started = f.events("b", "started").get(0);
        long expiry = lastChangeSeen + f.lease.toNanos();
        assertThat(started.atNanos() - expiry).as("takeover beyond expiry").isBetween(0L, 5 * MS);
        assertThat(b.leadership.term()).isEqualTo(2);
    }

    @Test
    void withoutAWatchTheFollowerPollsAndStillTakesOverAtExpiry() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b", false, builder -> builder);
        int calls = b.lock.calls();
        f.run(Duration.ofSeconds(10));
        assertThat(b.lock.calls() - calls).as("polls, one per retry period stretched by up to 20 % jitter")
                .isBetween(8, 10);
        a.crash();
        long crashedAt = f.time.now();
        f.run(Duration.ofSeconds(8));
        Event started = f.events("b", "started").get(0);
        assertThat(started.atNanos() - crashedAt).isLessThanOrEqualTo(f.lease.toNanos() + 2 * f.retry.toNanos());
    }

    @Test
    void leaderStepsDownAtItsDeadlineWhileItsCallsHang() {
        Candidate a = f.candidate("a");
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(2100));
        assertThat(a.elector.isLeader()).isTrue();
        long lastRenewStart = lastWriteAt[0] - MS; // the write lands 1 ms after the call began
        long deadline = lastRenewStart + f.renewDeadline.toNanos();
        a.lock.partition(true, true);
        f.time.runUntil(deadline - 1);
        assertThat(a.leadership.isValid()).isTrue();
        assertThat(a.elector.state()).isEqualTo(ElectorState.LEADING);
        f.time.runUntil(deadline);
        assertThat(a.leadership.isValid()).isFalse();
        assertThat(a.elector.state()).isEqualTo(ElectorState.FOLLOWING);
        assertThat(f.events("a", "stopped")).hasSize(1);
        assertThat(f.events("b", "started")).as("b waits the full lease, a's deadline came first").isEmpty();
        f.run(Duration.ofSeconds(2));
        assertThat(f.events("b", "started")).hasSize(1);
        assertThat(f.events("b", "started").get(0).atNanos()).isGreaterThan(f.events("a", "stopped").get(0).atNanos());
    }

    @Test
    void aDeposedLeaderCompetesAgainWithoutBeingRebuilt() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        a.lock.partition(true, false);
        f.run(Duration.ofSeconds(6));
        assertThat(b.elector.isLeader()).isTrue();
        a.lock.partition(false, false);
        f.run(Duration.ofSeconds(2));
        assertThat(a.elector.state()).isEqualTo(ElectorState.FOLLOWING);
        b.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.isLeader()).isTrue();
        assertThat(f.events("a", "started")).extracting(Event::term).containsExactly(1L, 3L);
        assertThat(f.events("a", "stopped")).hasSize(1);
    }

    @Test
    void aForeignHolderWrittenOverTheLeaderDeposesItAtOnce() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        f.store.overwrite(new LeaderElectionRecord("intruder", Duration.ofSeconds(4), Optional.empty(),
                Optional.empty(), 7, Optional.empty()));
        f.run(Duration.ofMillis(20));
        assertThat(a.elector.state()).isEqualTo(ElectorState.FOLLOWING);
        assertThat(a.elector.currentLeader()).contains("intruder");
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("intruder");
        f.run(Duration.ofSeconds(5));
        assertThat(a.elector.isLeader()).as("takes over once the intruder's lease expired").isTrue();
        assertThat(a.leadership.term()).isEqualTo(8);
    }

    @Test
    void anUnreadableRecordIsNotTakenOverBeforeAFullLease() {
        f.store.corrupt("not JSON");
        long corruptedAt = f.time.now();
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(3900));
        assertThat(a.elector.isLeader()).isFalse();
        assertThat(a.elector.currentLeader()).isEmpty();
        f.run(Duration.ofMillis(200));
        assertThat(a.elector.isLeader()).isTrue();
        assertThat(f.events("a", "started").get(0).atNanos() - corruptedAt).isGreaterThanOrEqualTo(f.lease.toNanos());
    }

    @Test
    void releaseWaitsForTheStoppedCallbackToReturn() {
        List<Runnable> parked = new ArrayList<>();
        Executor manual = parked::add;
        Candidate a = f.candidate("a", true, b -> b.callbackExecutor(manual));
        f.run(Duration.ofMillis(100));
        runAll(parked);
        assertThat(a.elector.isLeader()).isTrue();
        CompletableFuture<Void> closed = a.elector.closeAsync();
        assertThat(a.leadership.isValid()).as("invalid the moment close begins").isFalse();
        f.run(Duration.ofSeconds(2));
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).as("not released yet").contains("a");
        assertThat(closed).isNotDone();
        runAll(parked); // the stopped-leading callback returns
        f.run(Duration.ofMillis(20));
        runAll(parked);
        assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);
        assertThat(closed).isDone();
        assertThat(a.lock.isClosed()).isTrue();
    }

    /**
     * Simulation seed 27: a closing incarnation's release retry freed the lock its restarted successor held. Since
     * issue 7 the successor waits (the record names its identity with a term it did not write) while the old
     * incarnation drains; the old one releases its own term once stopped-leading returns, and never the
     * successor's.
     */
    @Test
    void aClosingIncarnationNeverReleasesTheTermOfItsRestartedSuccessor() {
        List<Runnable> parked = new ArrayList<>();
        Candidate old = f.candidate("a", true, b -> b.callbackExecutor(parked::add));
        f.run(Duration.ofMillis(100));
        runAll(parked);
        old.elector.closeAsync(); // its release waits for the stopped-leading callback, parked here
        Candidate restarted = f.candidate("a");
        f.run(Duration.ofMillis(2000));
        assertThat(restarted.elector.isLeader()).as("the old incarnation still renews its term").isFalse();

        runAll(parked); // now the old incarnation releases its own term
        f.run(Duration.ofMillis(100));
        runAll(parked);
        f.run(Duration.ofMillis(100));
        assertThat(restarted.elector.isLeader()).isTrue();
        assertThat(restarted.leadership.term()).isEqualTo(2);
        f.run(Duration.ofSeconds(5));
        runAll(parked);

        assertThat(old.elector.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("a");
        assertThat(f.store.record()).map(LeaderElectionRecord::leaderTransitions).contains(2L);
        assertThat(restarted.elector.isLeader()).isTrue();
    }

    @Test
    void closeIsFinalAndIdempotentAndStartRunsOnce() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        assertThatThrownBy(a.elector::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("start() called in state LEADING");
        a.elector.closeAsync();
        a.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.events("a", "stopped")).hasSize(1);
        assertThat(f.store.writes()).as("create, release").isEqualTo(2);
        assertThatThrownBy(a.elector::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aCandidateThatNeverLedIsNeverToldItStopped() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofSeconds(1));
        b.elector.closeAsync();
        f.run(Duration.ofSeconds(1));
        assertThat(b.elector.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.events("b", "stopped")).isEmpty();
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("a");
        assertThat(a.elector.isLeader()).isTrue();
    }

    @Test
    void closingBeforeStartStopsQuietly() {
        LeaderElector idle = LeaderElector.builder()
                .lock(new dev.leasehold.core.testing.InMemoryLock(f.store, "idle"))
                .scheduler(f.time.clock())
                .build();
        idle.closeAsync();
        assertThat(idle.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.store.writes()).isZero();
    }

    @Test
    void healthTurnsBadWhenTheDeadlineTimerCannotRun() {
        List<Runnable> parked = new ArrayList<>();
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.health().healthy()).isTrue();
        // freeze the elector's timers (a stuck scheduler thread) while time goes on
        a.clock.kill();
        f.run(Duration.ofSeconds(5));
        assertThat(a.elector.state()).isEqualTo(ElectorState.LEADING);
        assertThat(a.elector.isLeader()).as("validity is read off the clock, not the timer").isFalse();
        Health health = a.elector.health();
        assertThat(health.healthy()).isFalse();
        assertThat(health.detail()).contains("past the renew deadline");
        assertThat(parked).isEmpty();
    }

    @Test
    void aThrowingCallbackDoesNotStopTheElectorWhenTheStartFailurePolicySaysKeepLeading() {
        Candidate a = f.candidate("a", true, b -> b.onStartFailure(StartFailurePolicy.KEEP_LEADING)
                .onStartedLeading(l -> {
                    throw new IllegalStateException("user bug");
                }));
        f.run(Duration.ofSeconds(3));
        assertThat(a.elector.isLeader()).isTrue();
        assertThat(a.elector.state()).isEqualTo(ElectorState.LEADING);
    }

    @Test
    void listenerHearsEveryTransitionInOrder() {
        List<StateChange> changes = new ArrayList<>();
        Candidate a = f.candidate("a", true, b -> b.listener(changes::add));
        f.run(Duration.ofMillis(100));
        a.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        assertThat(changes).extracting(StateChange::from, StateChange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(ElectorState.NEW, ElectorState.FOLLOWING),
                org.assertj.core.groups.Tuple.tuple(ElectorState.FOLLOWING, ElectorState.LEADING),
                org.assertj.core.groups.Tuple.tuple(ElectorState.LEADING, ElectorState.STOPPED));
        assertThat(changes.get(1).term()).isEqualTo(1);
        assertThat(changes.get(2).reason()).isEqualTo("closed");
        assertThat(changes.get(0).at()).isAfter(Instant.parse("2025-01-01T00:00:00Z"));
    }

    @Test
    void lostCompletesWhenTheTermEnds() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Leadership term = a.leadership;
        assertThat(term.lost()).isNotDone();
        a.lock.partition(true, true);
        f.run(Duration.ofSeconds(4));
        assertThat(term.lost()).isDone();
        assertThat(term.isValid()).isFalse();
    }

    private static void runAll(List<Runnable> parked) {
        while (!parked.isEmpty()) {
            parked.remove(0).run();
        }
    }
}
