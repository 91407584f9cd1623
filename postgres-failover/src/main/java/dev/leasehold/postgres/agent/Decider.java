package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.Decision.Deferral;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;

/**
 * The agent's one decision, a pure function of a {@link Snapshot} and the {@link DecisionRules}: no I/O, no
 * clock, no state. The agent feeds it every tick and acts on the answer; the simulation feeds it a model.
 *
 * <p>In order:
 * <ol>
 *   <li>Holding a term: keep PostgreSQL the writable primary while the term is comfortably valid; make commits
 *       wait when renews fail ({@code holdCommitsBelow}); fence before the deadline ({@code fenceBelow}) or
 *       once the elector says the term ended; restart a dead server in place within {@code restartWithin}, else
 *       release; release a server hung longer than {@code hangTimeout}; without data, bootstrap (initdb) only
 *       when the Lease records no cluster and no fresh member has data, else release and clone.</li>
 *   <li>Not holding: a writable server is fenced at once (no primary without a term); data of another cluster
 *       is refused (never compete, never follow). Then the acquisition
 *       gate: eligible when healthy, not {@code nofailover}, within {@code maximumLagOnFailover} of the last
 *       published primary position, and no better fresh member exists (further ahead, or level with a higher
 *       priority) or the Lease has been free for {@code deferGrace} already. A successor named by a primary that
 *       handed over on purpose takes a free Lease without deferring; the others defer to it for
 *       {@code deferGrace}. Then what to do while another
 *       holds the Lease: follow it, rejoin it, or clone from it.</li>
 * </ol>
 */
public final class Decider {

    private Decider() {
    }

    public static Decision decide(Snapshot s, DecisionRules rules) {
        MemberStatus own = s.own();
        // 1. holding a term
        if (s.leadership().isPresent() && s.leadership().get().valid()) {
            return lead(s, s.leadership().get(), rules);
        }
        // 2. not holding: never writable (unless every member confirmed the failsafe), never another cluster's data
        if (own.role() == Role.PRIMARY) {
            if (!s.failsafe().isZero()) {
                return underFailsafe(s.failsafe(), rules);
            }
            return Decision.of(Step.FENCE, false, "PostgreSQL is writable but this member holds no valid term");
        }
        // foreign data: never take part
        if (own.systemId().isPresent() && s.lease().systemId().isPresent()
                && !own.systemId().equals(s.lease().systemId())) {
            return Decision.of(Step.REFUSE, false, "data directory belongs to cluster " + own.systemId().get()
                    + ", the Lease records cluster " + s.lease().systemId().get() + ": refusing to join");
        }
        Gate gate = gate(s, rules);
        return act(s, gate);
    }

    // ------------------------------------------------------------------ holder

    /**
     * A primary without a valid term (renews fail: the API server is out of reach) whose peers all confirmed they
     * will not take over: it stays writable for as long as the confirmations run, with the same margins a term
     * gets.
     */
    private static Decision underFailsafe(Duration left, DecisionRules rules) {
        if (!rules.fenceBelow().isZero() && left.compareTo(rules.fenceBelow()) <= 0) {
            return Decision.of(Step.FENCE, true, "failsafe: the members' confirmations run out in " + left
                    + ", below fenceBelow " + rules.fenceBelow() + ": stopping PostgreSQL before they do");
        }
        if (left.compareTo(rules.holdCommitsBelow()) <= 0) {
            return Decision.of(Step.HOLD_COMMITS, true, "failsafe: the members' confirmations run out in " + left
                    + ", below holdCommitsBelow " + rules.holdCommitsBelow() + ": no new confirmations");
        }
        return Decision.of(Step.NONE, true, "failsafe: no valid term (renews fail), but every member confirmed it"
                + " will not take over for " + left + ": PostgreSQL stays the writable primary");
    }

    private static Decision lead(Snapshot s, Snapshot.Term term, DecisionRules rules) {
        MemberStatus own = s.own();
        // confirmations from every member extend what a failing renew leaves
        Duration left = term.remaining().compareTo(s.failsafe()) >= 0 ? term.remaining() : s.failsafe();
        term = new Snapshot.Term(term.term(), term.valid(), left);
        if (!rules.fenceBelow().isZero() && term.remaining().compareTo(rules.fenceBelow()) <= 0) {
            return Decision.of(Step.FENCE, false, "term " + term.term() + " has " + term.remaining()
                    + " left, below fenceBelow " + rules.fenceBelow() + ": stopping PostgreSQL before the deadline");
        }
        switch (own.role()) {
            case EMPTY:
                if (s.lease().systemId().isPresent() || anyOtherHasData(s, rules)) {
                    // never a second cluster: a holder without data (wiped under it, or it won a race) lets a
                    // member with data lead, and clones from it
                    return Decision.of(Step.RELEASE, false, "holder of term " + term.term() + " without data, but "
                            + s.lease().systemId().map(id -> "the Lease records cluster " + id)
                                    .orElse("another member has data") + ": releasing the Lease, to clone");
                }
                return Decision.of(Step.INITDB, true, "holder of term " + term.term() + " without data, no member"
                        + " has any and the Lease records no cluster: bootstrap");
            case STOPPED:
                if (s.ownUnhealthyFor().compareTo(rules.restartWithin()) < 0) {
                    return Decision.of(Step.RESTART, true, "holder's PostgreSQL is down for " + s.ownUnhealthyFor()
                            + ": restarting in place (restartWithin " + rules.restartWithin() + ")");
                }
                return Decision.of(Step.RELEASE, false, "holder's PostgreSQL stayed down for " + s.ownUnhealthyFor()
                        + " (restartWithin " + rules.restartWithin() + "): releasing the Lease");
            case UNRESPONSIVE:
                if (s.ownUnhealthyFor().compareTo(rules.hangTimeout()) < 0) {
                    return Decision.of(Step.NONE, true, "holder's PostgreSQL unresponsive for "
                            + s.ownUnhealthyFor() + " (hangTimeout " + rules.hangTimeout() + ")");
                }
                return Decision.of(Step.RELEASE, false, "holder's PostgreSQL unresponsive for "
                        + s.ownUnhealthyFor() + " (hangTimeout " + rules.hangTimeout()
                        + "): fencing and releasing the Lease");
            default:
                break;
        }
        if (term.remaining().compareTo(rules.holdCommitsBelow()) <= 0) {
            return Decision.of(Step.HOLD_COMMITS, true, "term " + term.term() + " has " + term.remaining()
                    + " left, below holdCommitsBelow " + rules.holdCommitsBelow() + ": renews are failing");
        }
        if (own.role() == Role.REPLICA) {
            if (s.promisedTo().isPresent()) {
                return Decision.of(Step.NONE, true, "holder of term " + term.term() + ", but this member promised "
                        + s.promisedTo().get() + " (failsafe) not to take over: promoting once the promise ends");
            }
            return Decision.of(Step.PROMOTE, true, "holder of term " + term.term() + " is a standby: promote");
        }
        return Decision.of(Step.NONE, true, "primary with a valid term " + term.term());
    }

    // ------------------------------------------------------------------ acquisition gate

    /** Whether this member may take a free Lease, and why (not). */
    private record Gate(boolean open, String reason, Optional<Deferral> deferral) {
    }

    private static Gate gate(Snapshot s, DecisionRules rules) {
        MemberStatus own = s.own();
        if (own.noFailover()) {
            return closed("tagged nofailover");
        }
        if (s.promisedTo().isPresent()) {
            return closed("promised " + s.promisedTo().get() + " (failsafe: it cannot reach the API server) not to"
                    + " take over while the promise runs");
        }
        Optional<MemberList> list = s.lease().members();
        if (list.isPresent() && !list.get().names().contains(own.name()) && s.lease().holder().isPresent()
                && s.lease().freeFor().compareTo(list.get().offListAfter()) < 0) {
            return closed("not on the member list " + list.get().names() + " the last primary published (its"
                    + " failsafe asks only those): waiting until the Lease has been free for "
                    + list.get().offListAfter() + " (free for " + s.lease().freeFor() + ")");
        }
        if (own.role() == Role.EMPTY) {
            if (s.lease().systemId().isPresent() || anyOtherHasData(s, rules)) {
                return closed("no data: must clone from the primary");
            }
            return new Gate(true, "no data anywhere and no cluster recorded: may bootstrap", Optional.empty());
        }
        if (!own.healthy() || own.role() != Role.REPLICA) {
            return closed("PostgreSQL is " + own.role() + (own.healthy() ? "" : ", unhealthy"));
        }
        Lsn mine = own.position().orElse(Lsn.ZERO);
        Optional<String> unproven = s.lease().syncSet().flatMap(set -> synchronousRefusal(s, set, rules));
        if (unproven.isPresent()) {
            return closed(unproven.get());
        }
        Optional<LeaseView.Published> published = s.lease().published();
        boolean lagging = false;
        String lagNote = "";
        if (published.isPresent()) {
            Lsn target = published.get().position();
            if (s.lease().holder().equals(Optional.of(own.name())) && target.isAfter(mine)) {
                // the last holder wrote every position it published, so what it lacks was never written (a forged
                // or corrupt annotation); promoting, it replays all its local WAL first and so loses nothing
                lagNote = "the published position " + target + " is beyond this member's own, which published it:"
                        + " measuring from " + mine + "; ";
                target = mine;
            }
            long lag = target.minus(mine);
            if (own.timeline() < published.get().timeline()) {
                lagging = true;
                lagNote = "on timeline " + own.timeline() + ", behind the published timeline "
                        + published.get().timeline();
            } else if (lag > rules.maximumLagOnFailover()) {
                lagging = true;
                lagNote = lag + " bytes behind the published position " + published.get().position()
                        + " (maximumLagOnFailover " + rules.maximumLagOnFailover() + ")";
            }
        }
        Optional<MemberStatus> better = s.others().values().stream()
                .filter(o -> o.age().compareTo(rules.statusTtl()) <= 0)
                .map(Observed::status)
                .filter(o -> o.healthyReplica() && !o.noFailover())
                .filter(o -> s.lease().holder().map(h -> !h.equals(o.name())).orElse(true))
                .filter(o -> o.systemId().isEmpty() || own.systemId().isEmpty() || o.systemId().equals(own.systemId()))
                .filter(o -> ahead(o, own))
                .max(Comparator.comparing((MemberStatus o) -> o.position().orElse(Lsn.ZERO))
                        .thenComparingInt(MemberStatus::priority));
        if (lagging) {
            Optional<Duration> after = rules.laggingFailoverAfter();
            if (after.isPresent() && better.isEmpty() && s.lease().freeFor().compareTo(after.get()) >= 0) {
                return new Gate(true, lagNote + "; every fresh member lags and the Lease has been free for "
                        + s.lease().freeFor() + " (laggingFailoverAfter " + after.get()
                        + "): the freshest takes over, losing what it lacks", Optional.empty());
            }
            return closed(lagNote);
        }
        Optional<String> successor = s.lease().successor();
        if (successor.equals(Optional.of(own.name()))) { // open already while the handing-over primary holds

            return new Gate(true, "named successor of a switchover: healthy standby at " + mine, Optional.empty());
        }
        if (successor.isPresent() && !s.lease().held() && s.others().containsKey(successor.get())) {
            Duration left = rules.deferGrace().minus(s.lease().freeFor());
            if (!left.isNegative() && !left.isZero()) {
                return new Gate(false, "deferring to " + successor.get() + ", the successor the last primary named",
                        Optional.of(new Deferral(successor.get(), left)));
            }
        }
        if (better.isPresent()) {
            Duration left = rules.deferGrace().minus(s.lease().freeFor());
            if (left.isNegative() || left.isZero()) {
                return new Gate(true, "deferred to " + better.get().name() + " for deferGrace "
                        + rules.deferGrace() + ": competing anyway", Optional.empty());
            }
            return new Gate(false, "deferring to " + better.get().name() + " (at "
                    + better.get().position().orElse(Lsn.ZERO) + ", priority " + better.get().priority() + ")",
                    Optional.of(new Deferral(better.get().name(), left)));
        }
        return new Gate(true, lagNote + "eligible: healthy standby at " + mine + " on timeline " + own.timeline(),
                Optional.empty());
    }

    /**
     * Synchronous mode: only a member that can prove it holds every acknowledged commit may take over. Each commit
     * is on {@code count} members of the published set of N; a candidate must be in the set, must have seen the
     * fresh positions of N − count + 1 set members (itself included: then one of them holds every commit), and
     * must be the most advanced of those.
     */
    private static Optional<String> synchronousRefusal(Snapshot s, SyncSet set, DecisionRules rules) {
        MemberStatus own = s.own();
        if (s.lease().holder().equals(Optional.of(own.name()))) {
            // the last primary itself, its Lease held or expired: every acknowledged commit was committed on it
            // (with an empty set, only there), so it may always take its Lease back
            return Optional.empty();
        }
        if (set.empty()) {
            return Optional.of("synchronous mode: the published synchronous set is empty (the primary went"
                    + " asynchronous): no member is known to hold every acknowledged commit; waiting");
        }
        if (!set.members().contains(own.name())) {
            return Optional.of("synchronous mode: not in the published synchronous set " + set.members()
                    + ": may lack acknowledged commits; waiting");
        }
        Lsn mine = own.position().orElse(Lsn.ZERO);
        // a position counts only when sampled after its member saw this very Lease free: by then the old primary's
        // guard had stopped its server, so the position holds every commit that member confirmed. A successor a
        // switchover named is exempt: the old primary stopped first and the successor caught up to its end.
        boolean needFree = !s.lease().successor().equals(Optional.of(own.name()));
        Optional<String> free = s.lease().version().isEmpty() ? Optional.empty() : Optional.of(s.lease().version());
        int seen = 1;
        int unconfirmed = 0;
        for (String m : set.members()) {
            Observed o = s.others().get(m);
            if (m.equals(own.name()) || o == null || o.age().compareTo(rules.statusTtl()) > 0
                    || o.status().position().isEmpty()) {
                continue;
            }
            if (needFree && (free.isEmpty() || !o.status().freeLease().equals(free))) {
                unconfirmed++;
                continue;
            }
            seen++;
            if (o.status().position().get().compareTo(mine) > 0) {
                return Optional.of("deferring to synchronous set member " + m + ", further ahead ("
                        + o.status().position().get() + " > " + mine + ")");
            }
        }
        if (seen < set.readQuorum()) {
            return Optional.of("synchronous mode: saw the positions of " + seen + " of the " + set.readQuorum()
                    + " set members needed (set " + set.members() + ", " + set.count() + " confirm each commit,"
                    + " R + W > N" + (unconfirmed == 0 ? "" : "; " + unconfirmed + " more not yet sampled after"
                    + " seeing this Lease free") + "): cannot prove this member holds every acknowledged commit;"
                    + " waiting");
        }
        return Optional.empty();
    }

    private static boolean ahead(MemberStatus other, MemberStatus own) {
        int c = other.position().orElse(Lsn.ZERO).compareTo(own.position().orElse(Lsn.ZERO));
        return c > 0 || (c == 0 && other.priority() > own.priority());
    }

    private static boolean anyOtherHasData(Snapshot s, DecisionRules rules) {
        return s.others().values().stream().filter(o -> o.age().compareTo(rules.statusTtl()) <= 0)
                .anyMatch(o -> o.status().role() != Role.EMPTY);
    }

    private static Gate closed(String reason) {
        return new Gate(false, reason, Optional.empty());
    }

    // ------------------------------------------------------------------ member that does not hold

    private static Decision act(Snapshot s, Gate gate) {
        MemberStatus own = s.own();
        Optional<String> holder = s.lease().holder().filter(h -> s.lease().held());
        Optional<String> self = Optional.of(own.name());
        if (holder.isPresent() && !holder.equals(self)) {
            String leader = holder.get();
            boolean leaderIsPrimary = Optional.ofNullable(s.others().get(leader))
                    .map(o -> o.status().role() == Role.PRIMARY && o.status().healthy()).orElse(false);
            if (!leaderIsPrimary) {
                return new Decision(Step.NONE, gate.open(), "holder " + leader + " is not a primary yet; "
                        + gate.reason(), Optional.empty(), gate.deferral());
            }
            Step step = switch (own.role()) {
                case EMPTY -> Step.CLONE;
                case STOPPED -> Step.REJOIN;
                case REPLICA -> own.upstream().equals(holder) ? Step.NONE : Step.FOLLOW;
                default -> Step.NONE;
            };
            return new Decision(step, gate.open(), "primary is " + leader + "; " + gate.reason(),
                    step == Step.NONE ? Optional.empty() : holder, gate.deferral());
        }
        if (own.role() == Role.STOPPED) {
            return new Decision(Step.START_STANDBY, gate.open(), "no primary to follow: starting as a standby; "
                    + gate.reason(), Optional.empty(), gate.deferral());
        }
        return new Decision(Step.NONE, gate.open(), gate.reason(), Optional.empty(), gate.deferral());
    }
}
