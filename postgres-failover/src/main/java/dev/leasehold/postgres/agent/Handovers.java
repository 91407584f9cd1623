package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this member's planned switchovers one at a time (see {@link Switchover}), whoever asks: {@link
 * Agent#switchover}, {@code POST /switchover}, SIGTERM, a request in the Lease or a {@code spec.preferredHolder}
 * naming another member. While one runs, the acquisition gate stays shut and the loop leaves PostgreSQL to it.
 */
final class Handovers {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's

    private final AgentConfig config;
    private final String name;
    private final AgentState state;
    private final ClusterView view;
    private final HandoverRequests requests;
    private final PodPublisher publisher;
    private final AgentListener listener;
    private final Supplier<Switchover.Host> host;
    private final Runnable tickNow;
    private final Object switchLock = new Object();

    Handovers(AgentConfig config, AgentState state, ClusterView view, HandoverRequests requests,
            PodPublisher publisher, AgentListener listener, Supplier<Switchover.Host> host, Runnable tickNow) {
        this.config = config;
        this.name = config.name();
        this.state = state;
        this.view = view;
        this.requests = requests;
        this.publisher = publisher;
        this.listener = listener;
        this.host = host;
        this.tickNow = tickNow;
    }

    /** See {@link Agent#switchover}. */
    SwitchoverResult switchover(Optional<String> to, Duration timeout) {
        synchronized (switchLock) {
            try {
                SwitchoverResult r = new Switchover(host.get()).run(to, timeout, t -> {
                    state.switchingTo = t;
                    state.closeGate("handing over to " + t); // before the release, not at the next tick
                });
                publisher.event("Switchover", r.from() + " handed over to " + r.to() + " in " + r.elapsedMs()
                        + " ms (term " + r.term() + ")");
                listener.onSwitchover(r.from(), r.to(), Duration.ofMillis(r.elapsedMs()));
                return r;
            } finally {
                state.switchingTo = null;
                tickNow.run();
            }
        }
    }

    /**
     * A primary honours a switchover request in the Lease (annotation {@value ClusterView#SWITCHOVER_REQUEST},
     * younger than a minute, acted on once) and a {@code spec.preferredHolder} naming another member (a request
     * to end the term), on a thread of its own.
     */
    void handOverIfAsked(Leadership l) {
        requests.term(l.term(), view.preferredHolder(), view.switchoverRequest());
        requests.next(view.switchoverRequest(), view.preferredHolder(), Instant.now()).ifPresent(to -> {
            Thread t = new Thread(() -> {
                try {
                    switchover(to, config.switchoverTimeout());
                } catch (SwitchoverException e) {
                    LOG.warn("{}: requested switchover failed: {}", name, e.getMessage());
                }
            }, "leasehold-agent-switchover-" + name);
            t.setDaemon(true);
            t.start();
        });
    }
}
