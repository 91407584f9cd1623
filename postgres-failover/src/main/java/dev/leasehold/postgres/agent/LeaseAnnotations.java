package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.util.HashMap;
import java.util.Map;

/**
 * What this member's writes to the Lease carry in its annotations: the system identifier, the primary's timeline
 * and position, the history, a switchover's successor, requests served, the failsafe's member list and the
 * synchronous set. Built on the loop; the lock reads the cached map at the start of each of its writes, so it
 * never touches PostgreSQL on the lock-call thread.
 */
final class LeaseAnnotations {
    private final AgentConfig config;
    private final ClusterView view;
    private final HistoryKeeper history;
    private final HandoverRequests requests;
    private final SyncKeeper sync;
    private final AgentState state;
    private final WrittenMembers members = new WrittenMembers();
    private volatile Map<String, String> current = Map.of();

    LeaseAnnotations(AgentConfig config, ClusterView view, HistoryKeeper history, HandoverRequests requests,
            SyncKeeper sync, AgentState state) {
        this.config = config;
        this.view = view;
        this.history = history;
        this.requests = requests;
        this.sync = sync;
        this.state = state;
    }

    /** Called by the lock at the start of each of its writes: the cached annotations; never touches PostgreSQL. */
    Map<String, String> forWrite() {
        return current;
    }

    void update(MemberStatus s, Leadership l, LeaseView lease) {
        Map<String, String> a = new HashMap<>();
        if (s.systemId().isPresent() && (lease.systemId().isEmpty() || lease.systemId().equals(s.systemId()))) {
            a.put(ClusterView.SYSTEM_ID, s.systemId().get());
        }
        if (l != null && l.isValid() && s.role() == Role.PRIMARY && s.position().isPresent()) {
            a.put(ClusterView.TIMELINE, Integer.toString(s.timeline()));
            a.put(ClusterView.POSITION, s.position().get().toString());
        }
        history.carry(l != null && l.isValid() ? l.term() : -1, a);
        // the release of a switchover names the target; a holder's renews clear a name served before
        String switching = state.switchingTo;
        boolean holds = l != null && l.isValid();
        if (switching != null || holds) {
            a.put(ClusterView.SUCCESSOR, switching == null ? "" : switching);
            String request = view.switchoverRequest();
            if (requests.handled(request)) {
                a.put(ClusterView.SWITCHOVER_REQUEST, ""); // acted on once: cleared with the next write
            }
        }
        if (holds) { // the members the failsafe asks; "" clears a list an earlier failsafe-enabled primary wrote
            a.put(ClusterView.MEMBERS, config.failsafe().isEmpty() ? ""
                    : members.text(new MemberList(view.knownMembers(), config.failsafe().get().offListAfter())));
        }
        if (holds && sync != null) {
            sync.toPublish().ifPresent(set -> a.put(SyncSet.ANNOTATION, set.write()));
        }
        current = Map.copyOf(a);
    }

    /**
     * The member list's annotation value, written again only when the list changes: the holder builds its
     * annotations on every loop tick, and the members change rarely.
     */
    static final class WrittenMembers {
        private record Written(MemberList list, String text) {
        }

        private volatile Written last; // the loop and a switchover's release may both ask; a race only writes twice

        String text(MemberList list) {
            Written w = last;
            if (w == null || !w.list().equals(list)) {
                w = new Written(list, list.write());
                last = w;
            }
            return w.text();
        }
    }
}
