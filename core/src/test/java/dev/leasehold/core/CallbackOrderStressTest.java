package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real threads, real executors: pairs of electors race for locks while other threads close them at random
 * moments, most of them right around an acquisition. Every elector's callbacks must come in the state machine's
 * order (started-leading, then exactly one stopped-leading), and every lock must end released.
 */
class CallbackOrderStressTest {

    private static final int ROUNDS = 20;
    private static final int PAIRS = 25;

    @Test
    @Timeout(120)
    void callbacksStayInOrderWhileOtherThreadsCloseElectorsAtRandom() throws Exception {
        SystemScheduler scheduler = ElectionScheduler.create("stress", 2);
        ExecutorService callbacks = Executors.newCachedThreadPool();
        ExecutorService closers = Executors.newFixedThreadPool(4);
        Random random = new Random(7);
        int startedTotal = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<InMemoryLockStore> stores = new ArrayList<>();
                List<LeaderElector> electors = new ArrayList<>();
                List<List<String>> logs = new ArrayList<>();
                for (int pair = 0; pair < PAIRS; pair++) {
                    InMemoryLockStore store = new InMemoryLockStore("s" + pair);
                    stores.add(store);
                    for (String id : List.of("a", "b")) {
                        List<String> log = Collections.synchronizedList(new ArrayList<>());
                        logs.add(log);
                        electors.add(LeaderElector.builder().lock(new InMemoryLock(store, id))
                                .leaseDuration(Duration.ofMillis(800)).renewDeadline(Duration.ofMillis(600))
                                .retryPeriod(Duration.ofMillis(100)).scheduler(scheduler)
                                .callbackExecutor(callbacks)
                                .onStartedLeading(l -> log.add("started"))
                                .onStoppedLeading(() -> log.add("stopped"))
                                .build());
                    }
                }
                CountDownLatch go = new CountDownLatch(1);
                List<CompletableFuture<Void>> closed = new ArrayList<>();
                for (LeaderElector elector : electors) {
                    long delayMicros = random.nextInt(3000);
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    closed.add(done);
                    closers.execute(() -> {
                        try {
                            go.await();
                            TimeUnit.MICROSECONDS.sleep(delayMicros);
                            elector.closeAsync().whenComplete((v, e) -> done.complete(null));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                for (LeaderElector elector : electors) {
                    elector.start();
                }
                go.countDown();
                CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                for (int i = 0; i < electors.size(); i++) {
                    List<String> log = List.copyOf(logs.get(i));
                    assertThat(log).as("callbacks of elector %d in round %d", i, round)
                            .isIn(List.of(), List.of("started", "stopped"));
                    startedTotal += log.size() / 2;
                    assertThat(electors.get(i).state()).isEqualTo(ElectorState.STOPPED);
                }
                for (InMemoryLockStore store : stores) {
                    assertThat(store.record().map(LeaderElectionRecord::isReleased).orElse(true))
                            .as("%s released", store.name()).isTrue();
                }
            }
        } finally {
            closers.shutdownNow();
            callbacks.shutdownNow();
            scheduler.close();
        }
        assertThat(startedTotal).as("acquisitions that raced a close").isGreaterThan(ROUNDS * PAIRS / 4);
    }
}
