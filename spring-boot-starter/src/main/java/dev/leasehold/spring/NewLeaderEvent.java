package dev.leasehold.spring;

/** A new holder of the lock was observed (this application included). */
public final class NewLeaderEvent extends LeaderElectionEvent {

    private static final long serialVersionUID = 1L;

    public NewLeaderEvent(LeaseholdElection source, String holderIdentity) {
        super(source, holderIdentity);
    }
}
