package dev.leasehold.samples.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.Leadership;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two replicas of an application on a mock API server in CRUD mode: only the leader's job runs. */
class EmbeddedAppTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration PERIOD = Duration.ofMillis(50);

    private MockApi api;
    private KubernetesClient client;
    private final Map<String, AtomicLong> runs = new ConcurrentHashMap<>();
    private final Queue<String> terms = new ConcurrentLinkedQueue<>();
    private final Queue<EmbeddedApp> apps = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void startApi() {
        api = new MockApi();
        client = api.client();
    }

    @AfterEach
    void stop() {
        try {
            apps.forEach(EmbeddedApp::close);
        } finally {
            api.close();
        }
    }

    private EmbeddedApp start(String identity) {
        runs.put(identity, new AtomicLong());
        EmbeddedApp app = EmbeddedApp.start(client, "test", "jobs", identity, PERIOD, leadership -> {
            runs.get(identity).incrementAndGet();
            String entry = identity + "@" + leadership.term();
            if (!terms.contains(entry)) {
                terms.add(entry);
            }
        });
        apps.add(app);
        return app;
    }

    private static long termOf(String entry) {
        return Long.parseLong(entry.substring(entry.indexOf('@') + 1));
    }

    private long runsOf(String identity) {
        return runs.get(identity).get();
    }

    @Test
    void onlyTheLeadersJobRunsAndAfterAGracefulCloseOnlyTheOthers() {
        EmbeddedApp a = start("app-a");
        EmbeddedApp b = start("app-b");

        await().atMost(WAIT).until(() -> runsOf("app-a") + runsOf("app-b") >= 5);
        EmbeddedApp leader = a.isLeader() ? a : b;
        String leaderName = leader == a ? "app-a" : "app-b";
        String otherName = leader == a ? "app-b" : "app-a";
        EmbeddedApp other = leader == a ? b : a;
        // the leader's job has run several times; the follower's never
        long otherBefore = runsOf(otherName);
        await().atMost(WAIT).until(() -> runsOf(leaderName) >= 10);
        assertThat(otherBefore).isZero();
        assertThat(runsOf(otherName)).isZero();
        assertThat(other.jobRunning()).isFalse();

        leader.close(); // what the SIGTERM hook of EmbeddedApp.main does
        long leaderAtClose = runsOf(leaderName);
        assertThat(leader.jobRunning()).isFalse();

        await().atMost(WAIT).until(() -> runsOf(otherName) >= 10);
        assertThat(runsOf(leaderName)).as("the closed leader's job ran after close").isEqualTo(leaderAtClose);
        assertThat(other.jobRunning()).isTrue();
        // one term per leadership: the closed leader's, then a newer one of the other
        List<String> seen = List.copyOf(terms);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).startsWith(leaderName + "@");
        assertThat(seen.get(1)).startsWith(otherName + "@");
        assertThat(termOf(seen.get(1))).isGreaterThan(termOf(seen.get(0)));
    }

    @Test
    void theJobStopsWhenTheTermIsLostWithoutAStoppedLeadingCallbackFirst() {
        AtomicLong ran = new AtomicLong();
        List<Leadership> seen = new CopyOnWriteArrayList<>();
        try (LeaderOnlyJob job = new LeaderOnlyJob("unit", PERIOD, Duration.ofSeconds(1), leadership -> {
            ran.incrementAndGet();
            seen.add(leadership);
        })) {
            TestLeadership leadership = new TestLeadership(7);
            job.start(leadership);
            await().atMost(WAIT).until(() -> ran.get() >= 3);

            leadership.end(); // lost() completes, as when the renew deadline passes

            await().atMost(WAIT).until(() -> !job.isRunning());
            long atLoss = ran.get();
            // a few more periods pass: nothing runs
            await().pollDelay(PERIOD.multipliedBy(5)).atMost(WAIT).until(() -> true);
            assertThat(ran.get()).isEqualTo(atLoss);
            assertThat(seen).allMatch(l -> l.term() == 7);
        }
    }

    /** A term ended by the test. */
    private static final class TestLeadership implements Leadership {
        private final long term;
        private final CompletableFuture<Void> lost = new CompletableFuture<>();

        TestLeadership(long term) {
            this.term = term;
        }

        void end() {
            lost.complete(null);
        }

        @Override
        public String identity() {
            return "unit";
        }

        @Override
        public long term() {
            return term;
        }

        @Override
        public boolean isValid() {
            return !lost.isDone();
        }

        @Override
        public Duration validFor() {
            return isValid() ? Duration.ofDays(1) : Duration.ZERO;
        }

        @Override
        public CompletableFuture<Void> lost() {
            return lost;
        }
    }
}
