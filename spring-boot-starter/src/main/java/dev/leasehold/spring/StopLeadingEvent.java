package dev.leasehold.spring;

/** This application's term ended: stop leader-only work. Exactly one follows each {@link StartLeadingEvent}. */
public final class StopLeadingEvent extends LeaderElectionEvent {

    private static final long serialVersionUID = 1L;

    public StopLeadingEvent(LeaseholdElection source, String holderIdentity) {
        super(source, holderIdentity);
    }
}
