package dev.leasehold.spring;

import org.springframework.context.ApplicationEvent;

/**
 * What the election tells the application, as Spring application events named like Spring Cloud Kubernetes'
 * ({@link StartLeadingEvent}, {@link StopLeadingEvent}, {@link NewLeaderEvent}), so that listeners move over
 * by changing an import. Published in order, one at a time, on the elector's callback thread.
 */
public abstract class LeaderElectionEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final String holderIdentity;

    LeaderElectionEvent(LeaseholdElection source, String holderIdentity) {
        super(source);
        this.holderIdentity = holderIdentity;
    }

    /** The identity of the holder the event is about. */
    public String holderIdentity() {
        return holderIdentity;
    }

    @Override
    public LeaseholdElection getSource() {
        return (LeaseholdElection) super.getSource();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + holderIdentity + "]";
    }
}
