package dev.leasehold.spring;

import dev.leasehold.core.Leadership;

/** This application became leader: start leader-only work, fenced by {@link #term()}. */
public final class StartLeadingEvent extends LeaderElectionEvent {

    private static final long serialVersionUID = 1L;

    private final transient Leadership leadership;

    public StartLeadingEvent(LeaseholdElection source, Leadership leadership) {
        super(source, leadership.identity());
        this.leadership = leadership;
    }

    /** The term's handle: check {@link Leadership#isValid()} before each unit of leader-only work. */
    public Leadership leadership() {
        return leadership;
    }

    /** The fencing token: strictly greater than every earlier term of the lock. */
    public long term() {
        return leadership.term();
    }
}
