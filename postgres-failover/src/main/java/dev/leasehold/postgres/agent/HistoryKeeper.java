package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's side of {@link AgentHistory}: appends this member's entry when it starts serving a term as
 * primary, and hands the array to the lock's annotations supplier for the writes of that term only (a member
 * never writes back a history it made in an earlier term, which a later primary may have extended since).
 */
final class HistoryKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryKeeper.class);

    private final String member;
    private volatile long term = -1;
    private volatile String value;

    HistoryKeeper(String member) {
        this.member = member;
    }

    /**
     * This member serves {@code newTerm} as primary with status {@code s}; {@code lease} is the Lease's
     * annotations as last seen. Returns the reason when this is a change of primary (an entry was appended),
     * empty when the same primary goes on (same member, same timeline as the last entry).
     */
    Optional<String> primaryFor(long newTerm, MemberStatus s, Map<String, String> lease,
            Optional<String> previousHolder) {
        AgentHistory.Read read = AgentHistory.read(lease.get(AgentHistory.ANNOTATION));
        read.problem().ifPresent(p -> LOG.warn("{}: {}; full value, replaced by the readable entries: {}", member,
                p, lease.get(AgentHistory.ANNOTATION)));
        List<AgentHistory.Entry> entries = read.entries();
        if (!entries.isEmpty()) {
            AgentHistory.Entry last = entries.get(entries.size() - 1);
            if (last.member().equals(member) && last.timeline() == s.timeline()) {
                return Optional.empty();
            }
        }
        String reason = AgentHistory.reason(entries, previousHolder, lease.get(AgentHistory.SWITCHOVER_REQUEST),
                lease.get(ClusterView.SUCCESSOR), member);
        AgentHistory.Entry entry = new AgentHistory.Entry(newTerm, member, s.timeline(),
                s.position().map(Lsn::toString).orElse(""), Instant.now(), reason);
        value = AgentHistory.write(AgentHistory.append(entries, entry));
        term = newTerm;
        LOG.info("{}: history: primary for term {} on timeline {} ({})", member, newTerm, s.timeline(), reason);
        return Optional.of(reason);
    }

    /** Puts the history into {@code annotations} when this member wrote it in {@code currentTerm}. */
    void carry(long currentTerm, Map<String, String> annotations) {
        String v = value;
        if (v != null && currentTerm == term) {
            annotations.put(AgentHistory.ANNOTATION, v);
        }
    }
}
