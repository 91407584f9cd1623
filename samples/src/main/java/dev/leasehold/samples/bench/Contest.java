package dev.leasehold.samples.bench;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A few candidates of one library competing for one fresh Lease, all through one shared client. */
final class Contest implements AutoCloseable {

    private final KubernetesClient client;
    private final String lease;
    private final Timing timing;
    private final ElectionLog log = new ElectionLog();
    private final Map<String, Candidate> candidates = new LinkedHashMap<>();

    Contest(KubernetesClient client, Library library, String lease, Timing timing, int count, boolean release) {
        this.client = client;
        this.lease = lease;
        this.timing = timing;
        for (int i = 0; i < count; i++) {
            String identity = "c" + i;
            candidates.put(identity, library.candidate(client, lease, identity, timing, release, log));
        }
    }

    ElectionLog log() {
        return log;
    }

    String lease() {
        return lease;
    }

    Candidate candidate(String identity) {
        return candidates.get(identity);
    }

    /** A generous bound for any one election step at this timing. */
    Duration patience() {
        return timing.leaseDuration().multipliedBy(2).plus(timing.retryPeriod().multipliedBy(3)).plusSeconds(10);
    }

    /**
     * Starts every candidate and waits until one leads and all others have reported it as leader.
     *
     * @return the leader's identity
     * @throws IllegalStateException when that does not happen within {@link #patience()}
     */
    String startAndAwaitLeader() {
        candidates.values().forEach(Candidate::start);
        String leader = log.awaitLeader(patience())
                .orElseThrow(() -> new IllegalStateException("no leader on " + lease + " within " + patience()))
                .identity();
        List<String> followers = new ArrayList<>(candidates.keySet());
        followers.remove(leader);
        if (!log.awaitAllSee(followers, leader, patience())) {
            throw new IllegalStateException("followers on " + lease + " did not all see leader " + leader
                    + " within " + patience());
        }
        return leader;
    }

    /** The holder the Lease names right now, empty when none or no Lease. */
    Optional<String> holder() {
        Lease current = client.leases().inNamespace("default").withName(lease).get();
        return Optional.ofNullable(current).map(Lease::getSpec).map(spec -> spec.getHolderIdentity())
                .filter(h -> !h.isEmpty());
    }

    /** Closes the followers first, then whoever leads, so that the Lease does not change hands meanwhile. */
    @Override
    public void close() {
        closeAll(candidates.values().stream().filter(c -> !log.isLeading(c.identity())).toList());
        closeAll(candidates.values().stream().filter(c -> log.isLeading(c.identity())).toList());
    }

    private void closeAll(List<Candidate> which) {
        List<Thread> closing = new ArrayList<>();
        for (Candidate candidate : which) {
            Thread thread = new Thread(candidate::close, "close-" + lease + "-" + candidate.identity());
            thread.setDaemon(true);
            thread.start();
            closing.add(thread);
        }
        for (Thread thread : closing) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
