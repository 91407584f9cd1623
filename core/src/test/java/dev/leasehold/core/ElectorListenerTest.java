package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.LockCall.Kind;
import dev.leasehold.core.LockCall.Outcome;
import dev.leasehold.core.StateChange.Cause;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What listeners hear: each transition with its cause and takeover latency, and every lock call's outcome. */
class ElectorListenerTest {

    private static final long MS = 1_000_000;

    private final ElectorFixture f = new ElectorFixture();

    private static final class Recorder implements ElectorListener {
        final List<StateChange> changes = new ArrayList<>();
        final List<LockCall> calls = new ArrayList<>();

        @Override
        public void onTransition(StateChange change) {
            changes.add(change);
        }

        @Override
        public void onLockCall(LockCall call) {
            calls.add(call);
        }

        List<LockCall> calls(Kind kind, Outcome outcome) {
            return calls.stream().filter(c -> c.kind() == kind && c.outcome() == outcome).toList();
        }
    }

    private Candidate candidate(String identity, Recorder recorder) {
        return f.candidate(identity, true, b -> b.listener(recorder));
    }

    @Test
    void acquireRenewAndReleaseAreReportedWithTheirTermAndDuration() {
        Recorder r = new Recorder();
        Candidate a = candidate("a", r);
        f.run(Duration.ofMillis(3500));
        a.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        assertThat(r.changes).extracting(StateChange::cause)
                .containsExactly(Cause.STARTED, Cause.ACQUIRED, Cause.CLOSED);
        assertThat(r.calls(Kind.ACQUIRE, Outcome.SUCCESS)).singleElement()
                .satisfies(c -> assertThat(c.term()).isEqualTo(1))
                .satisfies(c -> assertThat(c.duration()).isEqualTo(Duration.ofMillis(2)));
        assertThat(r.calls(Kind.RENEW, Outcome.SUCCESS)).hasSize(3).allSatisfy(c -> assertThat(c.term()).isEqualTo(1));
        assertThat(r.calls(Kind.RELEASE, Outcome.SUCCESS)).singleElement()
                .satisfies(c -> assertThat(c.term()).isEqualTo(1));
        assertThat(r.calls).allSatisfy(c -> assertThat(c.identity()).isEqualTo("a"));
    }

    @Test
    void hungRenewsAreTimeoutsAndTheDeadlineIsTheCause() {
        Recorder r = new Recorder();
        Candidate a = candidate("a", r);
        f.run(Duration.ofMillis(100));
        a.lock.partition(true, true);
        f.run(Duration.ofSeconds(4));
        assertThat(r.calls(Kind.RENEW, Outcome.TIMEOUT)).isNotEmpty()
                .allSatisfy(c -> assertThat(c.duration()).isEqualTo(Duration.ofSeconds(1)));
        assertThat(r.changes.get(r.changes.size() - 1).cause()).isEqualTo(Cause.RENEW_DEADLINE);
    }

    @Test
    void conflictsAndErrorsAreReportedAsSuch() {
        Recorder r = new Recorder();
        Candidate a = candidate("a", r);
        f.run(Duration.ofMillis(100));
        a.lock.faults().spuriousConflictRate = 1;
        f.run(Duration.ofMillis(1500));
        a.lock.faults().spuriousConflictRate = 0;
        a.lock.faults().errorRate = 1;
        f.run(Duration.ofMillis(1500));
        assertThat(r.calls(Kind.RENEW, Outcome.CONFLICT)).isNotEmpty();
        assertThat(r.calls(Kind.RENEW, Outcome.ERROR)).isNotEmpty();
    }

    @Test
    void aDeposedLeaderHearsLostAndTheTakeoverLatencyCountsFromExpiryOrRelease() {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        Candidate a = candidate("a", ra);
        f.run(Duration.ofMillis(100));
        Candidate b = candidate("b", rb);
        f.run(Duration.ofMillis(1500));
        a.crash();
        f.run(Duration.ofSeconds(6));
        StateChange won = rb.changes.stream().filter(c -> c.cause() == Cause.ACQUIRED).findFirst().orElseThrow();
        assertThat(won.takeoverLatency()).as("from the local expiry instant to the successful write")
                .isBetween(Duration.ofMillis(1), Duration.ofMillis(3));
        f.store.overwrite(new LeaderElectionRecord("intruder", Duration.ofSeconds(4), Optional.empty(),
                Optional.empty(), 9, Optional.empty()));
        f.run(Duration.ofMillis(50));
        assertThat(rb.changes.get(rb.changes.size() - 1).cause()).isEqualTo(Cause.LOST);
        Recorder rc = new Recorder();
        Candidate c = candidate("c", rc);
        f.run(Duration.ofSeconds(6)); // b takes the lock back once the intruder's lease expires
        long before = f.time.now();
        b.elector.closeAsync();
        f.run(Duration.ofMillis(100));
        StateChange cWon = rc.changes.stream().filter(x -> x.cause() == Cause.ACQUIRED).findFirst().orElseThrow();
        assertThat(cWon.takeoverLatency()).as("from the release seen to the write")
                .isBetween(Duration.ofMillis(1), Duration.ofMillis(3));
        assertThat(f.time.now() - before).isLessThan(200 * MS);
    }
}
