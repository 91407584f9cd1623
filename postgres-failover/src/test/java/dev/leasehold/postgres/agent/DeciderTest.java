package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The decision table: one row per situation, with the step, the gate and a word the reason must contain. */
class DeciderTest {

    static final DecisionRules RULES = new DecisionRules(1_000_000, Duration.ofSeconds(10), Duration.ofSeconds(3),
            Optional.empty(), Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(5),
            Duration.ofSeconds(4));
    static final DecisionRules LAGGING_OK = new DecisionRules(1_000_000, Duration.ofSeconds(10),
            Duration.ofSeconds(3), Optional.of(Duration.ofSeconds(30)), Duration.ofSeconds(3), Duration.ofMillis(500),
            Duration.ofSeconds(5), Duration.ofSeconds(4));

    static final long MB = 1 << 20;

    static MemberStatus member(String name, Role role, long position) {
        return new MemberStatus(name, role, role == Role.PRIMARY || role == Role.REPLICA, 1,
                position < 0 ? Optional.empty() : Optional.of(new Lsn(position)), Optional.empty(), false, 0,
                "127.0.0.1", 5432, Optional.of("7000"), 1, "test", Instant.EPOCH);
    }

    static MemberStatus replica(String name, long position) {
        return member(name, Role.REPLICA, position);
    }

    static MemberStatus with(MemberStatus m, UnaryOperator<Builder> change) {
        return change.apply(new Builder(m)).build();
    }

    /** Edits a status in tests. */
    static final class Builder {
        MemberStatus m;

        Builder(MemberStatus m) {
            this.m = m;
        }

        Builder noFailover() {
            m = new MemberStatus(m.name(), m.role(), m.healthy(), m.timeline(), m.position(), m.upstream(), true,
                    m.priority(), m.host(), m.port(), m.systemId(), m.heartbeat(), m.agentVersion(), m.sampledAt());
            return this;
        }

        Builder priority(int p) {
            m = new MemberStatus(m.name(), m.role(), m.healthy(), m.timeline(), m.position(), m.upstream(),
                    m.noFailover(), p, m.host(), m.port(), m.systemId(), m.heartbeat(), m.agentVersion(),
                    m.sampledAt());
            return this;
        }

        Builder unhealthy() {
            m = new MemberStatus(m.name(), m.role(), false, m.timeline(), m.position(), m.upstream(), m.noFailover(),
                    m.priority(), m.host(), m.port(), m.systemId(), m.heartbeat(), m.agentVersion(), m.sampledAt());
            return this;
        }

        Builder timeline(int t) {
            m = new MemberStatus(m.name(), m.role(), m.healthy(), t, m.position(), m.upstream(), m.noFailover(),
                    m.priority(), m.host(), m.port(), m.systemId(), m.heartbeat(), m.agentVersion(), m.sampledAt());
            return this;
        }

        Builder upstream(String u) {
            m = new MemberStatus(m.name(), m.role(), m.healthy(), m.timeline(), m.position(), Optional.of(u),
                    m.noFailover(), m.priority(), m.host(), m.port(), m.systemId(), m.heartbeat(), m.agentVersion(),
                    m.sampledAt());
            return this;
        }

        Builder systemId(String id) {
            m = new MemberStatus(m.name(), m.role(), m.healthy(), m.timeline(), m.position(), m.upstream(),
                    m.noFailover(), m.priority(), m.host(), m.port(), Optional.ofNullable(id), m.heartbeat(),
                    m.agentVersion(), m.sampledAt());
            return this;
        }

        MemberStatus build() {
            return m;
        }
    }

    /** A snapshot under construction. */
    static final class Case {
        MemberStatus own = replica("pg-1", 10 * MB);
        Duration unhealthyFor = Duration.ZERO;
        Optional<Snapshot.Term> term = Optional.empty();
        LeaseView lease = free(Duration.ofSeconds(1), 10 * MB);
        List<Observed> others = new ArrayList<>();
        DecisionRules rules = RULES;
        boolean primaryKnown;
        Duration failsafe = Duration.ZERO;
        Optional<String> promisedTo = Optional.empty();

        Case failsafe(Duration left) {
            failsafe = left;
            return this;
        }

        Case promisedTo(String primary) {
            promisedTo = Optional.of(primary);
            return this;
        }

        Case holderNotPrimaryYet() {
            primaryKnown = true;
            return this;
        }

        Case own(MemberStatus m) {
            own = m;
            return this;
        }

        Case down(Duration d) {
            unhealthyFor = d;
            return this;
        }

        Case leading(boolean valid, Duration remaining) {
            term = Optional.of(new Snapshot.Term(7, valid, remaining));
            return this;
        }

        Case lease(LeaseView l) {
            lease = l;
            return this;
        }

        Case other(MemberStatus m) {
            return other(m, Duration.ofSeconds(1));
        }

        Case other(MemberStatus m, Duration age) {
            others.add(new Observed(m, age));
            return this;
        }

        Case rules(DecisionRules r) {
            rules = r;
            return this;
        }

        Decision decide() {
            Map<String, Observed> map = new LinkedHashMap<>();
            if (lease.held() && !lease.holder().get().equals(own.name()) && !primaryKnown) {
                map.put(lease.holder().get(), new Observed(member(lease.holder().get(), Role.PRIMARY, 20 * MB),
                        Duration.ofSeconds(1)));
            }
            others.forEach(o -> map.put(o.status().name(), o));
            return Decider.decide(new Snapshot(own, unhealthyFor, term, lease, map, failsafe, promisedTo), rules);
        }
    }

    /** A lease held by {@code holder}, whose status says it is the primary. */
    static LeaseView held(String holder, long published) {
        return new LeaseView(Optional.of(holder), Duration.ZERO, Optional.of("7000"),
                Optional.of(new LeaseView.Published(1, new Lsn(published))));
    }

    static LeaseView free(Duration freeFor, long published) {
        return new LeaseView(Optional.of("pg-0"), freeFor, Optional.of("7000"),
                Optional.of(new LeaseView.Published(1, new Lsn(published))));
    }

    /** A released Lease naming {@code successor}, free for {@code freeFor}. */
    static LeaseView handedTo(String successor, Duration freeFor) {
        return new LeaseView(Optional.of(""), freeFor, Optional.of("7000"),
                Optional.of(new LeaseView.Published(1, new Lsn(10 * MB))), Optional.of(successor));
    }

    /** A Lease whose holder (pg-0) expired, with synchronous set {@code members} of which {@code count} confirm. */
    static LeaseView synced(int count, String... members) {
        return new LeaseView(Optional.of("pg-0"), Duration.ofSeconds(1), Optional.of("7000"),
                Optional.of(new LeaseView.Published(1, new Lsn(10 * MB))), Optional.empty(),
                Optional.of(new SyncSet("ANY", count, List.of(members), false)), Optional.empty(), FREE_VERSION);
    }

    /** The version of the expired Lease {@link #synced} returns. */
    static final String FREE_VERSION = "41";

    /** A set member's status sampled after it saw the expired Lease of {@link #synced} free. */
    static MemberStatus sawFree(MemberStatus m) {
        return m.withFreeLease(Optional.of(FREE_VERSION));
    }

    /** A Lease whose holder (pg-0) expired, with the member list a failsafe primary published. */
    static LeaseView listed(Duration freeFor, String... members) {
        return listed("pg-0", freeFor, members);
    }

    static LeaseView listed(String holder, Duration freeFor, String... members) {
        return new LeaseView(Optional.of(holder), freeFor, Optional.of("7000"),
                Optional.of(new LeaseView.Published(1, new Lsn(10 * MB))), Optional.empty(), Optional.empty(),
                Optional.of(new MemberList(java.util.Set.of(members), Duration.ofSeconds(60))));
    }

    static Case c() {
        return new Case();
    }

    static Arguments row(String name, Case c, Step step, boolean mayAcquire, String reasonContains) {
        return Arguments.of(name, c, step, mayAcquire, reasonContains);
    }

    static Stream<Arguments> table() {
        Duration ok = Duration.ofSeconds(6);
        return Stream.of(
                // ---- holder
                row("holder, primary, term comfortably valid", c().own(member("pg-1", Role.PRIMARY, 20 * MB))
                        .leading(true, ok), Step.NONE, true, "primary with a valid term"),
                row("holder still a standby promotes", c().leading(true, ok), Step.PROMOTE, true, "promote"),
                row("holder without data, none anywhere, no cluster recorded: bootstraps (initdb)",
                        c().own(with(member("pg-1", Role.EMPTY, -1), b -> b.systemId(null))).lease(LeaseView.none())
                                .other(with(member("pg-2", Role.EMPTY, -1), b -> b.systemId(null)))
                                .leading(true, ok), Step.INITDB, true, "bootstrap"),
                row("holder without data while the Lease records a cluster: releases to clone, never initdb",
                        c().own(with(member("pg-1", Role.EMPTY, -1), b -> b.systemId(null))).leading(true, ok),
                        Step.RELEASE, false, "the Lease records cluster 7000"),
                row("holder without data while another member has data: releases to clone, never initdb",
                        c().own(with(member("pg-1", Role.EMPTY, -1), b -> b.systemId(null))).lease(LeaseView.none())
                                .other(replica("pg-2", 10 * MB)).leading(true, ok),
                        Step.RELEASE, false, "another member has data"),
                row("no data and the Lease records a cluster, no holder: may not acquire (it must clone)",
                        c().own(with(member("pg-1", Role.EMPTY, -1), b -> b.systemId(null))),
                        Step.NONE, false, "must clone"),
                row("holder whose renews fail holds commits", c().own(member("pg-1", Role.PRIMARY, 20 * MB))
                        .leading(true, Duration.ofMillis(2_900)), Step.HOLD_COMMITS, true, "renews are failing"),
                row("holder near the deadline fences", c().own(member("pg-1", Role.PRIMARY, 20 * MB))
                        .leading(true, Duration.ofMillis(400)), Step.FENCE, false, "before the deadline"),
                row("term no longer valid, server writable: fence", c().own(member("pg-1", Role.PRIMARY, 20 * MB))
                        .leading(false, Duration.ZERO), Step.FENCE, false, "no valid term"),
                row("holder's server died: restart in place", c().own(member("pg-1", Role.STOPPED, -1))
                        .leading(true, ok).down(Duration.ofSeconds(1)), Step.RESTART, true, "restarting"),
                row("holder's server stays dead: release", c().own(member("pg-1", Role.STOPPED, -1))
                        .leading(true, ok).down(Duration.ofSeconds(5)), Step.RELEASE, false, "releasing"),
                row("holder's server hung briefly: wait", c().own(member("pg-1", Role.UNRESPONSIVE, -1))
                        .leading(true, ok).down(Duration.ofSeconds(1)), Step.NONE, true, "unresponsive"),
                row("holder's server hung too long: release", c().own(member("pg-1", Role.UNRESPONSIVE, -1))
                        .leading(true, ok).down(Duration.ofSeconds(4)), Step.RELEASE, false, "fencing and releasing"),
                // ---- never writable without a term
                row("primary on disk without a term fences", c().own(member("pg-1", Role.PRIMARY, 20 * MB))
                        .lease(held("pg-0", 20 * MB)), Step.FENCE, false, "no valid term"),
                row("primary without any lease fences", c().own(member("pg-1", Role.PRIMARY, 20 * MB))
                        .lease(LeaseView.none()), Step.FENCE, false, "no valid term"),
                // ---- eligibility
                row("healthy standby at the published position may acquire", c(), Step.NONE, true, "eligible"),
                row("lagging beyond maximumLagOnFailover may not", c().own(replica("pg-1", 10 * MB - 1_000_001)),
                        Step.NONE, false, "maximumLagOnFailover"),
                row("within maximumLagOnFailover may", c().own(replica("pg-1", 10 * MB - 1_000_000)), Step.NONE, true,
                        "eligible"),
                row("behind the published timeline may not", c().lease(new LeaseView(Optional.of("pg-0"),
                        Duration.ofSeconds(1), Optional.of("7000"), Optional.of(new LeaseView.Published(2,
                                new Lsn(10 * MB))))), Step.NONE, false, "published timeline"),
                row("nofailover never", c().own(with(replica("pg-1", 10 * MB), b -> b.noFailover())), Step.NONE,
                        false, "nofailover"),
                row("unhealthy standby may not", c().own(with(replica("pg-1", 10 * MB), b -> b.unhealthy())),
                        Step.NONE, false, "unhealthy"),
                row("defers to a fresher member within the grace",
                        c().own(replica("pg-1", 10 * MB - 100)).other(replica("pg-2", 10 * MB)),
                        Step.NONE, false, "deferring to pg-2"),
                row("competes anyway once the grace is over",
                        c().own(replica("pg-1", 10 * MB - 100)).other(replica("pg-2", 10 * MB))
                                .lease(free(Duration.ofSeconds(3), 10 * MB)), Step.NONE, true, "competing anyway"),
                row("defers to an equal member of higher priority",
                        c().other(with(replica("pg-2", 10 * MB), b -> b.priority(5))),
                        Step.NONE, false, "deferring to pg-2"),
                row("an equal member of equal priority does not make it wait", c().other(replica("pg-2", 10 * MB)),
                        Step.NONE, true, "eligible"),
                row("a stale fresher member is ignored",
                        c().own(replica("pg-1", 10 * MB - 100)).other(replica("pg-2", 10 * MB), Duration.ofSeconds(11)),
                        Step.NONE, true, "eligible"),
                row("a nofailover fresher member is ignored", c().own(replica("pg-1", 10 * MB - 100))
                        .other(with(replica("pg-2", 10 * MB), b -> b.noFailover())), Step.NONE, true, "eligible"),
                row("an unhealthy fresher member is ignored", c().own(replica("pg-1", 10 * MB - 100))
                        .other(with(replica("pg-2", 10 * MB), b -> b.unhealthy())), Step.NONE, true, "eligible"),
                row("the old holder's own status is ignored (it is the one being replaced)",
                        c().other(member("pg-0", Role.REPLICA, 20 * MB)), Step.NONE, true, "eligible"),
                // issue 17, item 2: a forged leasehold.dev/position
                row("FFFFFFFF/FFFFFFFF published: lagging, no longer eligible by a lag that wrapped to -1",
                        c().lease(free(Duration.ofSeconds(1), -1L)), Step.NONE, false, "maximumLagOnFailover"),
                row("7FFFFFFF/FFFFFFFF published: the other members may not take over (it may be real WAL)",
                        c().lease(free(Duration.ofSeconds(1), Long.MAX_VALUE)), Step.NONE, false,
                        "maximumLagOnFailover"),
                row("7FFFFFFF/FFFFFFFF published: the member that published it, back as a standby, may",
                        c().own(replica("pg-0", 10 * MB)).other(replica("pg-1", 9 * MB))
                                .lease(free(Duration.ofSeconds(1), Long.MAX_VALUE)), Step.NONE, true,
                        "beyond this member's own, which published it"),
                row("FFFFFFFF/FFFFFFFF published: the member that published it, back as a standby, may",
                        c().own(replica("pg-0", 10 * MB)).lease(free(Duration.ofSeconds(1), -1L)), Step.NONE, true,
                        "beyond this member's own"),
                row("a position it published on a later timeline still bars the old holder",
                        c().own(replica("pg-0", 10 * MB)).lease(new LeaseView(Optional.of("pg-0"),
                                Duration.ofSeconds(1), Optional.of("7000"), Optional.of(new LeaseView.Published(2,
                                        new Lsn(Long.MAX_VALUE))))), Step.NONE, false, "published timeline"),
                row("all lag, default: stay without a primary", c().own(replica("pg-1", 5 * MB))
                        .other(replica("pg-2", 4 * MB)).lease(free(Duration.ofMinutes(10), 10 * MB)),
                        Step.NONE, false, "maximumLagOnFailover"),
                row("all lag, laggingFailoverAfter passed: the freshest takes over", c().own(replica("pg-1", 5 * MB))
                        .other(replica("pg-2", 4 * MB)).lease(free(Duration.ofSeconds(30), 10 * MB))
                        .rules(LAGGING_OK), Step.NONE, true, "freshest takes over"),
                row("all lag, laggingFailoverAfter passed: a less fresh one still may not",
                        c().own(replica("pg-2", 4 * MB)).other(replica("pg-1", 5 * MB))
                                .lease(free(Duration.ofSeconds(30), 10 * MB)).rules(LAGGING_OK),
                        Step.NONE, false, "maximumLagOnFailover"),
                row("all lag, laggingFailoverAfter not yet passed", c().own(replica("pg-1", 5 * MB))
                        .lease(free(Duration.ofSeconds(29), 10 * MB)).rules(LAGGING_OK),
                        Step.NONE, false, "maximumLagOnFailover"),
                // ---- following
                row("standby follows a new holder", c().own(with(replica("pg-1", 10 * MB), b -> b.upstream("pg-0")))
                        .lease(held("pg-2", 10 * MB)), Step.FOLLOW, true, "primary is pg-2"),
                row("standby already following the holder stays", c()
                        .own(with(replica("pg-1", 10 * MB), b -> b.upstream("pg-2"))).lease(held("pg-2", 10 * MB)),
                        Step.NONE, true, "primary is pg-2"),
                row("stopped member rejoins the holder", c().own(member("pg-1", Role.STOPPED, -1))
                        .lease(held("pg-2", 10 * MB)), Step.REJOIN, false, "primary is pg-2"),
                row("empty member clones from the holder", c().own(member("pg-1", Role.EMPTY, -1))
                        .lease(held("pg-2", 10 * MB)), Step.CLONE, false, "must clone"),
                row("a new holder that is not a primary yet is not followed", c().own(member("pg-1", Role.STOPPED, -1))
                        .lease(held("pg-2", 10 * MB)).holderNotPrimaryYet().other(replica("pg-2", 10 * MB)),
                        Step.NONE, false, "not a primary yet"),
                row("stopped member with no holder starts as a standby", c().own(member("pg-1", Role.STOPPED, -1)),
                        Step.START_STANDBY, false, "starting as a standby"),
                // ---- bootstrap
                row("no data anywhere, no cluster recorded: may bootstrap",
                        c().own(with(member("pg-1", Role.EMPTY, -1), b -> b.systemId(null))).lease(LeaseView.none())
                                .other(with(member("pg-2", Role.EMPTY, -1), b -> b.systemId(null))),
                        Step.NONE, true, "may bootstrap"),
                row("no data here but another member has some: wait to clone",
                        c().own(with(member("pg-1", Role.EMPTY, -1), b -> b.systemId(null))).lease(LeaseView.none())
                                .other(replica("pg-2", 10 * MB)), Step.NONE, false, "must clone"),
                // ---- foreign data
                row("data of another cluster: refuse", c().own(with(replica("pg-1", 10 * MB), b -> b.systemId("9")))
                        .lease(held("pg-2", 10 * MB)), Step.REFUSE, false, "belongs to cluster 9"),
                row("the named successor takes the released Lease without deferring to a fresher member",
                        c().own(replica("pg-1", 10 * MB - 100)).other(replica("pg-2", 10 * MB))
                                .lease(handedTo("pg-1", Duration.ZERO)), Step.NONE, true, "named successor"),
                row("others defer to the named successor within the grace",
                        c().own(replica("pg-1", 10 * MB)).other(replica("pg-2", 10 * MB - 100))
                                .lease(handedTo("pg-2", Duration.ofSeconds(1))), Step.NONE, false,
                        "successor the last primary named"),
                row("others compete once the named successor had its grace",
                        c().own(replica("pg-1", 10 * MB)).other(replica("pg-2", 10 * MB - 100))
                                .lease(handedTo("pg-2", Duration.ofSeconds(3))), Step.NONE, true, "eligible"),
                row("a named successor that is not a member is not waited for",
                        c().own(replica("pg-1", 10 * MB)).lease(handedTo("pg-7", Duration.ZERO)), Step.NONE, true,
                        "eligible"),
                row("a named successor that lags too far still may not",
                        c().own(replica("pg-1", 5 * MB)).lease(handedTo("pg-1", Duration.ZERO)), Step.NONE, false,
                        "maximumLagOnFailover"),
                row("synchronous: a member of the set that saw every other member's position may take over",
                        c().own(replica("pg-1", 10 * MB)).other(sawFree(replica("pg-2", 10 * MB - 100)))
                                .lease(synced(1, "pg-1", "pg-2")), Step.NONE, true, "eligible"),
                row("synchronous: a set member's position sampled before it saw this Lease free does not count"
                        + " (the old primary may have run on and it confirmed more since)",
                        c().own(replica("pg-1", 10 * MB)).other(replica("pg-2", 10 * MB - 100))
                                .lease(synced(1, "pg-1", "pg-2")), Step.NONE, false,
                        "not yet sampled after seeing this Lease free"),
                row("synchronous: ... nor one that saw an older version of the Lease free",
                        c().own(replica("pg-1", 10 * MB)).other(replica("pg-2", 10 * MB - 100)
                                .withFreeLease(Optional.of("40"))).lease(synced(1, "pg-1", "pg-2")), Step.NONE, false,
                        "not yet sampled after seeing this Lease free"),
                row("synchronous: a successor a switchover named needs no such sample (the old primary stopped first)",
                        c().own(replica("pg-1", 10 * MB)).other(replica("pg-2", 10 * MB - 100))
                                .lease(new LeaseView(Optional.of(""), Duration.ZERO, Optional.of("7000"),
                                        Optional.of(new LeaseView.Published(1, new Lsn(10 * MB))),
                                        Optional.of("pg-1"), Optional.of(new SyncSet("ANY", 1,
                                                List.of("pg-1", "pg-2"), false)), Optional.empty(), "42")),
                        Step.NONE, true, "successor"),
                row("synchronous: not in the set: waits, whatever the grace",
                        c().own(replica("pg-1", 10 * MB)).lease(synced(1, "pg-2")), Step.NONE, false,
                        "not in the published synchronous set"),
                row("synchronous: ... except the last primary itself, which holds every acknowledged commit",
                        c().own(replica("pg-0", 10 * MB)).lease(synced(0)), Step.NONE, true, "eligible"),
                row("synchronous: an empty set (the primary went asynchronous): nobody",
                        c().own(replica("pg-1", 10 * MB)).lease(synced(0)), Step.NONE, false,
                        "synchronous set is empty"),
                row("synchronous: ANY 1 of 2 without the other's position cannot prove it (R + W > N)",
                        c().own(replica("pg-1", 10 * MB)).other(replica("pg-2", 10 * MB), Duration.ofMinutes(1))
                                .lease(synced(1, "pg-1", "pg-2")), Step.NONE, false, "R + W > N"),
                row("synchronous: ANY 2 of 2: every commit is on each member, so one alone may",
                        c().own(replica("pg-1", 10 * MB)).lease(synced(2, "pg-1", "pg-2")), Step.NONE, true,
                        "eligible"),
                row("synchronous: a set member further ahead goes first",
                        c().own(replica("pg-1", 10 * MB - 100)).other(sawFree(replica("pg-2", 10 * MB)))
                                .lease(synced(1, "pg-1", "pg-2")), Step.NONE, false, "further ahead"),
                row("failsafe: a primary without a term stays writable while every member's confirmation runs",
                        c().own(member("pg-1", Role.PRIMARY, 20 * MB)).failsafe(Duration.ofSeconds(4)), Step.NONE,
                        true, "stays the writable primary"),
                row("failsafe: ... and makes commits wait when the confirmations run low",
                        c().own(member("pg-1", Role.PRIMARY, 20 * MB)).failsafe(Duration.ofSeconds(2)),
                        Step.HOLD_COMMITS, true, "confirmations run out"),
                row("failsafe: ... and fences before they run out",
                        c().own(member("pg-1", Role.PRIMARY, 20 * MB)).failsafe(Duration.ofMillis(400)), Step.FENCE,
                        true, "below fenceBelow"),
                row("failsafe: a holder whose renews fail keeps writes going on the confirmations",
                        c().own(member("pg-1", Role.PRIMARY, 20 * MB)).leading(true, Duration.ofMillis(400))
                                .failsafe(Duration.ofSeconds(4)), Step.NONE, true, "primary with a valid term"),
                row("failsafe: a member that promised never competes",
                        c().own(replica("pg-1", 10 * MB)).promisedTo("pg-0"), Step.NONE, false, "promised pg-0"),
                row("failsafe: a holder that promised does not promote until the promise ends",
                        c().leading(true, ok).promisedTo("pg-0"), Step.NONE, true, "promoting once the promise ends"),
                row("failsafe: a member not on the published list does not compete within the off-list wait",
                        c().own(replica("pg-1", 10 * MB)).lease(listed(Duration.ofSeconds(59), "pg-0", "pg-2")),
                        Step.NONE, false, "not on the member list"),
                row("failsafe: ... and may once the primary that wrote it cannot be writable on the failsafe",
                        c().own(replica("pg-1", 10 * MB)).lease(listed(Duration.ofSeconds(60), "pg-0", "pg-2")),
                        Step.NONE, true, "eligible"),
                row("failsafe: ... and need not wait after a release (the releasing primary fenced first)",
                        c().own(replica("pg-1", 10 * MB)).lease(listed("", Duration.ofSeconds(1), "pg-0", "pg-2")),
                        Step.NONE, true, "eligible"),
                row("failsafe: a member on the published list may at once",
                        c().own(replica("pg-1", 10 * MB)).lease(listed(Duration.ofSeconds(5), "pg-0", "pg-1")),
                        Step.NONE, true, "eligible"),
                row("a writable server with another cluster's data is fenced first",
                        c().own(with(member("pg-1", Role.PRIMARY, 10 * MB), b -> b.systemId("9")))
                                .lease(held("pg-2", 10 * MB)), Step.FENCE, false, "no valid term"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String name, Case c, Step step, boolean mayAcquire, String reasonContains) {
        Decision d = c.decide();
        assertThat(d.step()).as(name + ": " + d.reason()).isEqualTo(step);
        assertThat(d.mayAcquire()).as(name + ": " + d.reason()).isEqualTo(mayAcquire);
        assertThat(d.reason()).contains(reasonContains);
    }

    @org.junit.jupiter.api.Test
    void aDeferralSaysToWhomAndForHowLong() {
        Decision d = c().own(replica("pg-1", 10 * MB - 100)).other(replica("pg-2", 10 * MB))
                .lease(free(Duration.ofSeconds(1), 10 * MB)).decide();
        assertThat(d.deferral()).contains(new Decision.Deferral("pg-2", Duration.ofSeconds(2)));
    }

    @org.junit.jupiter.api.Test
    void aFollowNamesTheHolder() {
        Decision d = c().lease(held("pg-2", 10 * MB)).decide();
        assertThat(d.step()).isEqualTo(Step.FOLLOW);
        assertThat(d.target()).contains("pg-2");
    }
}
