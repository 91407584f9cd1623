package dev.leasehold.samples.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the candidates of one Lease reported through their callbacks, with the monotonic and wall-clock instant
 * of each, and the most candidates that were leading at once according to those callbacks.
 */
final class ElectionLog {

    /** One callback: {@code kind} is started or stopped. */
    record Event(String kind, String identity, long nanos, Instant wall) { }

    private final List<Event> events = new ArrayList<>();
    private final Set<String> leading = new HashSet<>();
    private final Map<String, String> seenLeader = new HashMap<>();
    private int maxLeaders;

    synchronized void started(String identity) {
        events.add(new Event("started", identity, System.nanoTime(), Instant.now()));
        leading.add(identity);
        maxLeaders = Math.max(maxLeaders, leading.size());
        notifyAll();
    }

    synchronized void stopped(String identity) {
        events.add(new Event("stopped", identity, System.nanoTime(), Instant.now()));
        leading.remove(identity);
        notifyAll();
    }

    synchronized void newLeader(String observer, String leader) {
        if (leader != null) {
            seenLeader.put(observer, leader);
        }
        notifyAll();
    }

    synchronized boolean isLeading(String identity) {
        return leading.contains(identity);
    }

    /** The most candidates leading at once, by their started/stopped callbacks. */
    synchronized int maxLeaders() {
        return maxLeaders;
    }

    /** The first started-leading callback at or after {@code afterNanos} of anyone but {@code except}. */
    Optional<Event> awaitStarted(String except, long afterNanos, Duration timeout) {
        return await(e -> e.kind().equals("started") && !e.identity().equals(except) && e.nanos() - afterNanos >= 0,
                timeout);
    }

    /** The first started-leading callback of anyone. */
    Optional<Event> awaitLeader(Duration timeout) {
        return await(e -> e.kind().equals("started"), timeout);
    }

    /** The stopped-leading callback of {@code identity}. */
    Optional<Event> awaitStopped(String identity, Duration timeout) {
        return await(e -> e.kind().equals("stopped") && e.identity().equals(identity), timeout);
    }

    /** The last stopped-leading callback of {@code identity} so far. */
    synchronized Optional<Event> lastStopped(String identity) {
        for (int i = events.size() - 1; i >= 0; i--) {
            Event e = events.get(i);
            if (e.kind().equals("stopped") && e.identity().equals(identity)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** How many started-leading callbacks there were. */
    synchronized long startedCount() {
        return events.stream().filter(e -> e.kind().equals("started")).count();
    }

    /** Waits until every one of {@code observers} has reported {@code leader} through its new-leader callback. */
    synchronized boolean awaitAllSee(Collection<String> observers, String leader, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!observers.stream().allMatch(o -> leader.equals(seenLeader.get(o)))) {
            if (!waitUntil(deadline)) {
                return false;
            }
        }
        return true;
    }

    private synchronized Optional<Event> await(Predicate<Event> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int checked = 0;
        while (true) {
            for (; checked < events.size(); checked++) {
                if (wanted.test(events.get(checked))) {
                    return Optional.of(events.get(checked));
                }
            }
            if (!waitUntil(deadline)) {
                return Optional.empty();
            }
        }
    }

    /** Waits for a notification or the deadline; false once the deadline has passed. */
    private boolean waitUntil(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            wait(Math.max(1, left / 1_000_000));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
