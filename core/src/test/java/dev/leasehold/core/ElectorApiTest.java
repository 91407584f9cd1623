package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.testing.ElectorFixture;
import dev.leasehold.core.testing.ElectorFixture.Candidate;
import dev.leasehold.core.testing.ElectorFixture.Event;
import dev.leasehold.core.testing.InMemoryLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a user expects of an elector beyond competing: resigning, waiting to lead, leader work, closing. */
class ElectorApiTest {

    private static final long MS = 1_000_000;

    private final ElectorFixture f = new ElectorFixture();

    @Test
    void resignRunsStoppedLeadingReleasesAndBacksOffWhileAnotherTakesOver() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(500));
        assertThat(b.elector.resign()).as("b does not lead").isFalse();
        long resignedAt = f.time.now();
        assertThat(a.elector.resign(Duration.ofSeconds(3))).isTrue();
        assertThat(a.elector.state()).isEqualTo(ElectorState.FOLLOWING);
        f.run(Duration.ofMillis(50));
        assertThat(f.events("a", "stopped")).hasSize(1);
        Event started = f.events("b", "started").get(0);
        assertThat(started.atNanos() - resignedAt).isLessThan(20 * MS);
        assertThat(started.term()).isEqualTo(2);
        b.elector.closeAsync();
        f.run(Duration.ofSeconds(2));
        assertThat(a.elector.isLeader()).as("still backing off").isFalse();
        f.run(Duration.ofSeconds(2));
        assertThat(a.elector.isLeader()).as("competes again after its back-off").isTrue();
        assertThat(a.leadership.term()).isEqualTo(3);
    }

    @Test
    void resignNamingASuccessorLetsItTakeOverFirst() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        Candidate c = f.candidate("c", false, builder -> builder); // polls: slower to see the release than b
        f.run(Duration.ofMillis(500));
        a.elector.resign(Duration.ofSeconds(10), "c");
        f.run(Duration.ofSeconds(3));
        assertThat(f.events("b", "started")).isEmpty();
        assertThat(c.elector.isLeader()).isTrue();
        assertThat(f.store.record()).map(LeaderElectionRecord::preferredHolder)
                .as("served: the successor drops it").hasValue(java.util.Optional.empty());
        assertThatThrownBy(() -> a.elector.resign(Duration.ZERO, " ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("successor");
    }

    @Test
    void nextLeadershipCompletesWithTheWonTermAndFailsOnClose() throws Exception {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        CompletableFuture<Leadership> next = b.elector.nextLeadership();
        f.run(Duration.ofSeconds(1));
        assertThat(next).isNotDone();
        a.elector.closeAsync();
        f.run(Duration.ofMillis(50));
        assertThat(next).isCompleted();
        assertThat(next.get().term()).isEqualTo(2);
        assertThat(b.elector.nextLeadership()).isCompletedWithValue(next.get());
        Candidate c = f.candidate("c");
        CompletableFuture<Leadership> never = c.elector.nextLeadership();
        c.elector.closeAsync();
        f.run(Duration.ofMillis(50));
        assertThatThrownBy(never::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void awaitLeadershipReturnsTheTermWhileLeadingAndEmptyWhenTimeRunsOut() throws Exception {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.awaitLeadership(Duration.ZERO)).map(Leadership::term).hasValue(1L);
        assertThat(b.elector.awaitLeadership(Duration.ofMillis(10))).isEmpty();
    }

    @Test
    void aStartedLeadingThatThrowsResignsAndBacksOffByDefault() {
        AtomicBoolean failOnce = new AtomicBoolean(true);
        Candidate a = f.candidate("a", true, b -> b.onStartedLeading(l -> {
            if (failOnce.getAndSet(false)) {
                throw new IllegalStateException("cannot start the work");
            }
        }));
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b");
        f.run(Duration.ofMillis(100));
        assertThat(a.elector.isLeader()).isFalse();
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("b");
        assertThat(b.leadership.term()).isEqualTo(2);
        b.crash();
        f.run(Duration.ofSeconds(5));
        assertThat(a.elector.leadership()).as("competes again after a lease").map(Leadership::term).hasValue(3L);
    }

    @Test
    @Timeout(30)
    void leaderWorkIsInterruptedWhenTheTermEndsAndTheReleaseWaitsForIt() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        CountDownLatch working = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch mayReturn = new CountDownLatch(1);
        CountDownLatch returned = new CountDownLatch(1);
        AtomicBoolean sawValidTerm = new AtomicBoolean();
        try {
            Candidate a = f.candidate("a", true, b -> b.callbackExecutor(pool).onNewLeader(x -> { })
                    .leaderWork(leadership -> {
                        sawValidTerm.set(leadership.isValid());
                        working.countDown();
                        try {
                            new CountDownLatch(1).await();
                        } catch (InterruptedException e) {
                            interrupted.countDown();
                            awaitQuietly(mayReturn);
                        }
                        returned.countDown();
                    }));
            f.run(Duration.ofMillis(100));
            assertThat(working.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sawValidTerm).isTrue();
            CompletableFuture<Void> closed = a.elector.closeAsync();
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("interrupted when the term ends").isTrue();
            f.run(Duration.ofMillis(100));
            assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity)
                    .as("not released while the work still runs").contains("a");
            mayReturn.countDown();
            // virtual time stands still until the work has really returned (on a loaded machine that can take
            // a while of real time, which must not count against the virtual drain timeout)
            assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!closed.isDone() && System.nanoTime() < until) {
                Thread.sleep(5);
                f.run(Duration.ofMillis(10)); // the release is scheduled on virtual time once the work returned
            }
            assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits for {@code latch} through any further interrupts: work that takes its time to stop. */
    private static void awaitQuietly(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aReleaseTakeoverDelayHoldsTheFollowerBackAfterAnotherHoldersRelease() {
        Candidate a = f.candidate("a");
        f.run(Duration.ofMillis(100));
        Candidate b = f.candidate("b", true, builder -> builder.releaseTakeoverDelay(Duration.ofMillis(700)));
        f.run(Duration.ofMillis(500));
        long closedAt = f.time.now();
        a.elector.closeAsync();
        f.run(Duration.ofSeconds(2));
        long waited = f.events("b", "started").get(0).atNanos() - closedAt;
        assertThat(waited).isBetween(700 * MS, 720 * MS);
    }

    @Test
    @Timeout(30)
    void closeWithALimitReturnsWhenItPassesAndClosingGoesOn() {
        List<Runnable> parked = new ArrayList<>();
        Candidate a = f.candidate("a", true, b -> b.callbackExecutor(parked::add));
        f.run(Duration.ofMillis(100));
        while (!parked.isEmpty()) {
            parked.remove(0).run();
        }
        a.elector.close(Duration.ofMillis(20)); // stopped-leading is parked: the close cannot finish
        assertThat(a.elector.state()).isEqualTo(ElectorState.STOPPED);
        assertThat(f.store.record()).map(LeaderElectionRecord::holderIdentity).contains("a");
        assertThatThrownBy(() -> a.elector.close(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit = PT-1S");
    }

    @Test
    void theShutdownHookClosesAndReleasesAndIsRemovedOnClose() throws Exception {
        LeaderElector elector = LeaderElector.builder().lock(new InMemoryLock(f.store, "a"))
                .scheduler(f.time.clock()).callbackExecutor(Runnable::run).closeOnShutdown(true).build();
        elector.start();
        f.run(Duration.ofMillis(100));
        Thread hook = elector.shutdownHook().orElseThrow();
        assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("registered").isTrue();
        Runtime.getRuntime().addShutdownHook(hook);
        elector.closeAsync();
        assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("removed on close").isFalse();
        f.run(Duration.ofMillis(100));
        assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);

        LeaderElector other = LeaderElector.builder().lock(new InMemoryLock(f.store, "b"))
                .scheduler(f.time.clock()).callbackExecutor(Runnable::run).closeOnShutdown(true).build();
        other.start();
        f.run(Duration.ofMillis(100));
        Thread otherHook = other.shutdownHook().orElseThrow();
        Runtime.getRuntime().removeShutdownHook(otherHook);
        Thread runner = new Thread(() -> otherHook.run()); // as the JVM would at shutdown
        runner.start();
        while (other.state() != ElectorState.STOPPED) {
            Thread.sleep(1);
        }
        f.run(Duration.ofMillis(100));
        runner.join(10_000);
        assertThat(f.store.record()).map(LeaderElectionRecord::isReleased).contains(true);
    }
}
