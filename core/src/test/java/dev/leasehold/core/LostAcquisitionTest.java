package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.LockUnavailableException;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import dev.leasehold.core.testing.Faults;
import dev.leasehold.core.testing.ForwardingLock;
import dev.leasehold.core.testing.InMemoryLock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An acquisition whose write lands but whose answer is lost (a timeout, a connection reset after the request went
 * out, a 5xx after the write). Issue 7: the elector waited a full lease before it acquired again (about 18 s for
 * 200 electors starting at once at 15/10/2); now it recognises the record it wrote and leads at once on it, with
 * the validity counted from when the write was sent, where the lock's times tell its attempt from a twin's.
 * Virtual time, timings 4/3/1 s, call timeout 1 s; the store is {@link dev.leasehold.core.testing.InMemoryLockStore}.
 */
class LostAcquisitionTest {

    private static final long MS = 1_000_000;

    private final ElectorFixture f = new ElectorFixture();
    private final Duration callTimeout = f.renewDeadline.dividedBy(3);

    /** One started-leading of the candidate under test, as it ran. */
    private record Start(long atNanos, long term, Duration validFor) { }

    private final List<Start> starts = new ArrayList<>();
    private final List<Long> landed = new ArrayList<>();

    /** "b": on its own client of the fixture's store, with faults added by {@code wrap}. */
    private Candidate b(boolean watch, java.util.function.UnaryOperator<ResourceLock> wrap) {
        f.store.addWatcher(s -> s.flatMap(LockSnapshot::record).filter(r -> r.isHeldBy("b"))
                .ifPresent(r -> landed.add(f.time.now())));
        ResourceLock inner = new InMemoryLock(f.store, "b",
                new Faults().latency(Duration.ofMillis(1), Duration.ofMillis(1)), f.time, new Random(7));
        ResourceLock lock = watch ? inner : ForwardingLock.pollingOnly(inner);
        return f.candidate("b", watch, builder -> builder.lock(wrap.apply(lock))
                .onStartedLeading(l -> starts.add(new Start(f.time.now(), l.term(), l.validFor()))));
    }

    /**
     * The first acquisition of {@code identity} goes out and lands, and its answer is lost: an error right after
     * the write ({@code hang} false) or no answer at all, so that the elector's call timeout ends it.
     */
    private static ResourceLock losingFirstAcquisition(ResourceLock inner, String identity, boolean hang) {
        AtomicBoolean armed = new AtomicBoolean(true);
        return new ForwardingLock(inner) {
            @Override
            public CompletableFuture<LockSnapshot> create(LeaderElectionRecord record) {
                return lose(record, super.create(record));
            }

            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
                return lose(record, super.update(expected, record));
            }

            private CompletableFuture<LockSnapshot> lose(LeaderElectionRecord record,
                    CompletableFuture<LockSnapshot> sent) {
                if (!record.isHeldBy(identity) || !armed.getAndSet(false)) {
                    return sent;
                }
                CompletableFuture<LockSnapshot> lost = new CompletableFuture<>();
                if (!hang) {
                    sent.whenComplete((ok, e) -> lost.completeExceptionally(
                            new LockUnavailableException("connection reset after the request was sent")));
                }
                return lost;
            }
        };
    }

    /** "a" leads, "b" follows; "a" releases, so that "b" acquires at once. */
    private void releaseToB(Candidate a) {
        a.elector.closeAsync();
        f.run(Duration.ofSeconds(3));
    }

    @ParameterizedTest(name = "answer {0}, lock keeping times to {1}")
    @CsvSource({"reset, NANOS", "never comes, NANOS", "reset, MICROS", "never comes, MICROS"})
    void aLostAcquisitionAnswerLeadsWithinARetryPeriodNotALeaseLater(String answer, ChronoUnit precision) {
        boolean hang = answer.equals("never comes");
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        b(true, lock -> losingFirstAcquisition(ForwardingLock.keepingTimesTo(lock, precision), "b", hang));
        f.run(Duration.ofMillis(100));
        releaseToB(a);

        assertThat(landed).as("b's acquisition landed").isNotEmpty();
        long wroteAt = landed.get(0);
        long failedAt = wroteAt + (hang ? callTimeout.toNanos() : 2 * MS);
        assertThat(starts).as("b led on the write whose answer was lost").isNotEmpty();
        Start start = starts.get(0);
        assertThat(start.term()).as("the term the lost write carries, not one taken a lease later").isEqualTo(2);
        assertThat(start.atNanos() - failedAt).as("led within a retry period of the failed call")
                .isLessThan(f.retry.toNanos());
        assertThat(start.validFor().toNanos()).as("valid from when the write was sent, not from the re-read")
                .isLessThanOrEqualTo(wroteAt + f.renewDeadline.toNanos() - start.atNanos());
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("b");
        assertThat(f.store.record()).map(LeaderElectionRecord::leaderTransitions).contains(2L);
        assertThat(f.events("a", "started")).hasSize(1);
    }

    @Test
    void aLostAcquisitionThatLandsJustBeforeTheNextOneStillLeadsAtOnce() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        long[] conflictAt = {0};
        b(true, lock -> new ForwardingLock(lock) {
            private Runnable heldBack;
            private int sent;

            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
                if (!record.isHeldBy("b") || ++sent > 2) {
                    return super.update(expected, record);
                }
                if (sent == 1) { // held up on the way: it lands only when the next one is sent; no answer
                    heldBack = () -> super.update(expected, record);
                    return new CompletableFuture<>();
                }
                heldBack.run(); // the first lands just ahead of the second, which then conflicts
                return super.update(expected, record).whenComplete((ok, e) -> conflictAt[0] = f.time.now());
            }
        });
        f.run(Duration.ofMillis(100));
        releaseToB(a);
        assertThat(conflictAt[0]).as("b's second acquisition was answered").isPositive();
        assertThat(starts).as("b led on its first acquisition").isNotEmpty();
        assertThat(starts.get(0).term()).as("the first acquisition's term").isEqualTo(2);
        assertThat(starts.get(0).atNanos() - conflictAt[0]).isLessThan(f.retry.toNanos());
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("b");
    }

    @Test
    void aTwinsRecordWithOurIdentityAndTermButAnotherAcquireTimeIsNotTakenForOurs() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        long[] twinAt = {0};
        b(true, lock -> new ForwardingLock(lock) {
            private boolean armed = true;

            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
                if (!record.isHeldBy("b") || !armed) {
                    return super.update(expected, record);
                }
                armed = false;
                // a second live "b" wrote the same term a microsecond apart just before ours arrives: ours
                // conflicts, and its answer is lost
                f.store.overwrite(new LeaderElectionRecord("b", record.leaseDuration(),
                        record.acquireTime().map(t -> t.plusNanos(1_000)),
                        record.renewTime().map(t -> t.plusNanos(1_000)), record.leaderTransitions(),
                        Optional.empty()));
                twinAt[0] = f.time.now();
                CompletableFuture<LockSnapshot> lost = new CompletableFuture<>();
                super.update(expected, record).whenComplete((ok, e) -> lost.completeExceptionally(
                        new LockUnavailableException("connection reset after the request was sent")));
                return lost;
            }
        });
        f.run(Duration.ofMillis(100));
        a.elector.closeAsync();
        f.run(Duration.ofSeconds(3));
        assertThat(twinAt[0]).as("b tried to acquire").isPositive();
        assertThat(starts).as("the twin's record is not b's term").isEmpty();
        assertThat(f.store.record()).map(LeaderElectionRecord::leaderTransitions).contains(2L);
        f.run(Duration.ofSeconds(3));
        assertThat(starts).hasSize(1);
        assertThat(starts.get(0).term()).as("a term above the twin's").isEqualTo(3);
        assertThat(starts.get(0).atNanos() - twinAt[0]).as("waited out like any other holder's")
                .isGreaterThanOrEqualTo(f.lease.toNanos());
    }

    @Test
    void aLockKeepingWholeSecondsStillWaitsALeaseAfterALostAcquisition() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        b(true, lock -> losingFirstAcquisition(ForwardingLock.keepingTimesTo(lock, ChronoUnit.SECONDS), "b",
                false));
        f.run(Duration.ofMillis(100));
        releaseToB(a);
        assertThat(landed).isNotEmpty();
        long wroteAt = landed.get(0);
        assertThat(starts).as("a second's precision cannot tell b's attempt from a twin's").isEmpty();
        f.run(Duration.ofSeconds(3));
        assertThat(starts).hasSize(1);
        assertThat(starts.get(0).term()).as("acquired again, above the lost write's term").isEqualTo(3);
        assertThat(starts.get(0).atNanos() - wroteAt).isGreaterThanOrEqualTo(f.lease.toNanos());
    }

    @Test
    void aLostAcquisitionSeenOnlyAfterItsRenewDeadlineIsWaitedOut() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        AtomicBoolean cutOff = new AtomicBoolean();
        b(false, lock -> new ForwardingLock(losingFirstAcquisition(lock, "b", true)) {
            @Override
            public CompletableFuture<Optional<LockSnapshot>> get() {
                return cutOff.get() ? new CompletableFuture<>() : super.get();
            }

            @Override
            public CompletableFuture<LockSnapshot> update(LockSnapshot expected, LeaderElectionRecord record) {
                cutOff.compareAndSet(false, record.isHeldBy("b")); // from its first acquisition on, reads hang
                return super.update(expected, record);
            }
        });
        f.run(Duration.ofSeconds(2));
        a.elector.closeAsync();
        f.run(Duration.ofSeconds(5)); // b polls within a retry period, so its write went out 3 s ago or more
        assertThat(landed).isNotEmpty();
        assertThat(f.time.now() - landed.get(0)).isGreaterThan(f.renewDeadline.toNanos());
        cutOff.set(false);
        long healedAt = f.time.now();
        f.run(Duration.ofSeconds(3));
        assertThat(starts).as("too late to lead on the lost write").isEmpty();
        f.run(Duration.ofSeconds(4));
        assertThat(starts).hasSize(1);
        assertThat(starts.get(0).term()).as("acquired again, on the record it read").isEqualTo(3);
        assertThat(starts.get(0).atNanos() - healedAt).as("a lease after the read that showed it")
                .isGreaterThanOrEqualTo(f.lease.toNanos());
    }
}
