package dev.leasehold.samples.bench;

import dev.leasehold.samples.MockApiServer;
import dev.leasehold.samples.RequestCounter;
import dev.leasehold.samples.RequestCounter.Snapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code load}: for each library and each N, one leader and N followers on one Lease, every candidate talking
 * through its own client (all sharing one HTTP client factory) that names it in the {@code Impersonate-User}
 * header, so that the server counts each candidate's requests. All groups run at the same time on the same server; after a settling
 * period the requests made inside one window are counted. A watch is one request, counted when it is opened
 * (watches opened before the window, however long they stream events, count zero in it).
 */
final class LoadScenario {

    private LoadScenario() {
    }

    /** One library's leader and followers on one Lease. */
    private static final class Group implements AutoCloseable {
        final Library library;
        final int followers;
        final String lease;
        final ElectionLog log = new ElectionLog();
        final List<Candidate> candidates = new ArrayList<>();
        final List<KubernetesClient> clients = new ArrayList<>();
        final MockApiServer server;
        final BenchLine line;
        Snapshot[] before;
        long startsBefore;
        RuntimeException failure;

        Group(MockApiServer server, Library library, int followers, Timing timing, Duration window) {
            this.server = server;
            this.library = library;
            this.followers = followers;
            this.lease = "load-" + library.label() + "-n" + followers;
            this.line = new BenchLine("load", library).put("timing", timing.label()).put("n", followers)
                    .put("reps", 1).put("window_s", window.toSeconds());
            for (int i = 0; i <= followers; i++) {
                String identity = lease + "-c" + i;
                KubernetesClient client = server.newClientAs(identity);
                clients.add(client);
                candidates.add(library.candidate(client, lease, identity, timing, true, log));
            }
        }

        /** Starts candidate 0 alone so that it becomes the leader, then the followers. */
        void start(Duration patience) {
            candidates.get(0).start();
            String leader = log.awaitLeader(patience)
                    .orElseThrow(() -> new IllegalStateException("no leader on " + lease + " within " + patience))
                    .identity();
            candidates.subList(1, candidates.size()).forEach(Candidate::start);
            List<String> others = candidates.subList(1, candidates.size()).stream().map(Candidate::identity).toList();
            if (!log.awaitAllSee(others, leader, patience)) {
                throw new IllegalStateException("followers on " + lease + " did not all see " + leader + " within "
                        + patience);
            }
        }

        Snapshot[] counts(RequestCounter counter) {
            return candidates.stream().map(c -> counter.of(c.identity())).toArray(Snapshot[]::new);
        }

        /** Followers first, so that the Lease does not change hands while watches close. */
        @Override
        public void close() {
            for (int i = candidates.size() - 1; i >= 0; i--) {
                candidates.get(i).close();
            }
            clients.forEach(server::closeClient);
        }
    }

    static void run(MockApiServer server, BenchOptions options, PrintStream out) {
        Timing timing = options.loadTiming();
        Duration window = options.loadWindow();
        Duration patience = timing.leaseDuration().multipliedBy(2).plusSeconds(20);
        List<Group> groups = new ArrayList<>();
        try {
            for (Library library : options.libs()) {
                for (int n : options.loadFollowers()) {
                    Group group = new Group(server, library, n, timing, window);
                    groups.add(group);
                    try {
                        group.start(patience);
                    } catch (RuntimeException e) {
                        group.failure = e;
                    }
                }
            }
            Thread.sleep(options.loadSettle().toMillis());
            RequestCounter counter = server.requests();
            for (Group group : groups) {
                group.before = group.counts(counter);
                group.startsBefore = group.log.startedCount();
            }
            long stallsBefore = MockApiServer.stalls();
            Snapshot anonymousBefore = counter.of(RequestCounter.ANONYMOUS);
            long totalBefore = counter.total();
            long opened = System.nanoTime();
            Thread.sleep(window.toMillis());
            double minutes = (System.nanoTime() - opened) / 60e9;
            Snapshot anonymous = counter.of(RequestCounter.ANONYMOUS).minus(anonymousBefore);
            out.println("# load window: " + (counter.total() - totalBefore) + " requests at the server in all, "
                    + anonymous.all() + " of them without a caller name (" + anonymous + ")");
            for (Group group : groups) {
                report(group, counter, minutes);
                group.line.put("server_stalls", MockApiServer.stalls() - stallsBefore);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            groups.forEach(g -> g.failure = g.failure != null ? g.failure : new IllegalStateException("interrupted"));
        } catch (RuntimeException e) {
            for (Group group : groups) {
                group.failure = group.failure != null ? group.failure : e;
            }
        } finally {
            for (Group group : groups) {
                if (group.failure != null) {
                    group.line.error(group.failure);
                }
                out.println(group.line);
                group.close();
            }
        }
    }

    private static void report(Group group, RequestCounter counter, double minutes) {
        if (group.failure != null) {
            return;
        }
        Snapshot[] after = group.counts(counter);
        Snapshot leader = after[0].minus(group.before[0]);
        Snapshot followers = new Snapshot(0, 0, 0, 0);
        for (int i = 1; i < after.length; i++) {
            followers = followers.plus(after[i].minus(group.before[i]));
        }
        Snapshot all = leader.plus(followers);
        group.line.put("requests_per_min", perMinute(all.all(), minutes))
                .put("leader_per_min", perMinute(leader.all(), minutes))
                .put("followers_per_min", perMinute(followers.all(), minutes))
                .put("per_follower_per_min", perMinute(followers.all() / (double) group.followers, minutes))
                .put("reads", all.reads()).put("writes", all.writes()).put("watches_opened", all.watches())
                .put("leader_changes", group.log.startedCount() - group.startsBefore)
                .put("max_leaders", group.log.maxLeaders());
    }

    private static String perMinute(double count, double minutes) {
        return Stats.ms(count / minutes);
    }
}
