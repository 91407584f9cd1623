package dev.leasehold.postgres.agent;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.LeaderElector;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hears what an {@link Agent} does to its PostgreSQL: promotions, fences, rejoins and switchovers. The agent's
 * metrics and Kubernetes Events are listeners. Every method has a no-op default. Methods are called from the
 * agent's own threads, never while it holds a lock; they must return quickly (hand slow work to a thread of your
 * own). One that throws is logged and does not keep the others from hearing.
 */
public interface AgentListener {

    /**
     * This member became the primary of a term: {@code reason} is {@code bootstrap} (the first primary the
     * cluster's history knows), {@code failover} or {@code switchover}. Called once per change of primary, not
     * when the same primary goes on into a new term.
     */
    default void onPromoted(long term, String reason) {
    }

    /** This member's server was fenced (it stopped acknowledging commits); {@code took} is the fence's time. */
    default void onFenced(Duration took, String reason) {
    }

    /** This member's server was brought back as a standby of the primary; {@code result} says how. */
    default void onRejoined(String result) {
    }

    /** A planned handover from {@code from} to {@code to} completed in {@code took}. */
    default void onSwitchover(String from, String to, Duration took) {
    }

    /**
     * A listener for the elector the agent competes with; the agent builds a new elector after each release, and
     * hands every one of them this listener. Default: none.
     */
    default Optional<ElectorListener> electorListener() {
        return Optional.empty();
    }

    /** The agent built a new elector (at start, and after each release), before starting it. */
    default void onElector(LeaderElector elector) {
    }

    /** No listener. */
    AgentListener NONE = new AgentListener() {
    };

    /** One listener that calls each of {@code listeners} in order, each call guarded. */
    static AgentListener all(List<AgentListener> listeners) {
        List<AgentListener> copy = List.copyOf(listeners);
        Logger log = LoggerFactory.getLogger(AgentListener.class);
        return new AgentListener() {
            private void each(String what, java.util.function.Consumer<AgentListener> call) {
                for (AgentListener l : copy) {
                    try {
                        call.accept(l);
                    } catch (RuntimeException e) {
                        log.warn("agent listener {} failed in {}: {}", l, what, e.toString());
                    }
                }
            }

            @Override
            public void onPromoted(long term, String reason) {
                each("onPromoted", l -> l.onPromoted(term, reason));
            }

            @Override
            public void onFenced(Duration took, String reason) {
                each("onFenced", l -> l.onFenced(took, reason));
            }

            @Override
            public void onRejoined(String result) {
                each("onRejoined", l -> l.onRejoined(result));
            }

            @Override
            public void onSwitchover(String from, String to, Duration took) {
                each("onSwitchover", l -> l.onSwitchover(from, to, took));
            }

            @Override
            public Optional<ElectorListener> electorListener() {
                List<ElectorListener> found = copy.stream().flatMap(l -> l.electorListener().stream()).toList();
                return found.isEmpty() ? Optional.empty() : Optional.of(ElectorListener.all(found));
            }

            @Override
            public void onElector(LeaderElector elector) {
                each("onElector", l -> l.onElector(elector));
            }
        };
    }
}
