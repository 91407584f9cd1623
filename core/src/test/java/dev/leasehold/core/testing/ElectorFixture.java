package dev.leasehold.core.testing;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.LeaderElectorBuilder;
import dev.leasehold.core.Leadership;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Electors on one in-memory lock in virtual time, recording every callback with the virtual instant it ran.
 * Timings default to 4 s / 3 s / 1 s; calls take 1 ms each way.
 */
public final class ElectorFixture {

    public final VirtualScheduler time = new VirtualScheduler();
    public final InMemoryLockStore store = new InMemoryLockStore("fixture");
    public Duration lease = Duration.ofSeconds(4);
    public Duration renewDeadline = Duration.ofSeconds(3);
    public Duration retry = Duration.ofSeconds(1);
    private final Random random = new Random(42);

    /** One recorded callback. */
    public record Event(long atNanos, String identity, String kind, long term) { }

    public final List<Event> events = new ArrayList<>();

    public Candidate candidate(String identity) {
        return candidate(identity, true, UnaryOperator.identity());
    }

    /** A started candidate; {@code watch} false gives a lock without notifications, so the elector polls. */
    public Candidate candidate(String identity, boolean watch, UnaryOperator<LeaderElectorBuilder> customise) {
        VirtualScheduler.Clock clock = time.clock();
        InMemoryLock lock = new InMemoryLock(store, identity,
                new Faults().latency(Duration.ofMillis(1), Duration.ofMillis(1)), time, new Random(random.nextLong()));
        ResourceLock used = watch ? lock : ForwardingLock.pollingOnly(lock);
        Candidate candidate = new Candidate(identity, clock, lock);
        LeaderElectorBuilder builder = LeaderElector.builder()
                .lock(used)
                .leaseDuration(lease)
                .renewDeadline(renewDeadline)
                .retryPeriod(retry)
                .scheduler(clock)
                .callbackExecutor(Runnable::run)
                .random(new Random(random.nextLong()))
                .onStartedLeading(l -> {
                    candidate.leadership = l;
                    record(identity, "started", l.term());
                })
                .onStoppedLeading(() -> record(identity, "stopped", 0))
                .onNewLeader(holder -> record(identity, "leader=" + holder, 0));
        candidate.elector = customise.apply(builder).build();
        candidate.elector.start();
        return candidate;
    }

    private void record(String identity, String kind, long term) {
        events.add(new Event(time.now(), identity, kind, term));
    }

    /** Events of one kind for one identity. */
    public List<Event> events(String identity, String kind) {
        return events.stream().filter(e -> e.identity.equals(identity) && e.kind.equals(kind)).toList();
    }

    public void run(Duration span) {
        time.runFor(span);
    }

    /** A candidate process: its clock, its lock client and its elector. */
    public static final class Candidate {
        public final String identity;
        public final VirtualScheduler.Clock clock;
        public final InMemoryLock lock;
        public LeaderElector elector;
        public volatile Leadership leadership;

        Candidate(String identity, VirtualScheduler.Clock clock, InMemoryLock lock) {
            this.identity = identity;
            this.clock = clock;
            this.lock = lock;
        }

        /** Dies without a word: no release, no callbacks, nothing it scheduled runs again. */
        public void crash() {
            clock.kill();
            lock.close();
        }
    }
}
