package dev.leasehold.postgres.agent;

import dev.leasehold.events.EventRecorder;
import dev.leasehold.events.EventType;
import java.time.Duration;

/**
 * Records what the agent does as Kubernetes Events on the cluster's Lease ({@code kubectl describe lease <cluster>}
 * tells the story): {@code Failover}, {@code Bootstrap} or {@code Switchover} when this member becomes primary,
 * {@code Fenced} (Warning), {@code Rejoined}, and {@code Switchover} from the old primary's side. Through
 * leasehold-kubernetes-events' {@link EventRecorder}: queued and rate-limited, never blocking the agent; an Event
 * that cannot be written is dropped and counted there. Opt-in: the agent records none without it.
 */
public final class AgentEvents implements AgentListener {
    private final EventRecorder recorder;
    private final String member;

    /** Events through {@code recorder} (which the caller closes), naming {@code member}. */
    public AgentEvents(EventRecorder recorder, String member) {
        if (recorder == null || member == null || member.isBlank()) {
            throw new IllegalArgumentException("recorder and member are required, were " + recorder + ", " + member);
        }
        this.recorder = recorder;
        this.member = member;
    }

    /** A recorder on the Lease of {@code config}'s cluster, component {@code leasehold-agent}. */
    public static EventRecorder recorderFor(AgentConfig config) {
        return EventRecorder.builder().client(config.client()).lease(config.namespace(), config.cluster())
                .component("leasehold-agent").instance(config.name()).build();
    }

    @Override
    public void onPromoted(long term, String reason) {
        String r = switch (reason) {
            case "bootstrap" -> "Bootstrap";
            case "switchover" -> "Switchover";
            default -> "Failover";
        };
        recorder.record(r, member + " is the primary for term " + term + " (" + reason + ")", EventType.NORMAL);
    }

    @Override
    public void onFenced(Duration took, String reason) {
        recorder.record("Fenced", member + " fenced its PostgreSQL in " + took.toMillis() + " ms: " + reason,
                EventType.WARNING);
    }

    @Override
    public void onRejoined(String result) {
        recorder.record("Rejoined", member + " rejoined as a standby: " + result, EventType.NORMAL);
    }

    @Override
    public void onSwitchover(String from, String to, Duration took) {
        recorder.record("Switchover", "switchover from " + from + " to " + to + " in " + took.toMillis() + " ms",
                EventType.NORMAL);
    }
}
