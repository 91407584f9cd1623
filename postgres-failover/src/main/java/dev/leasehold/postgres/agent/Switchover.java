package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PgControl;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.PostgresStatus;
import dev.leasehold.postgres.agent.SwitchoverException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A planned handover from this primary to a standby, with no acknowledged commit lost and no rewind:
 * <ol>
 *   <li>choose the target: the named member, or the best one (furthest ahead, then highest priority); it must be a
 *       fresh, healthy standby streaming from this primary and not tagged {@code nofailover};</li>
 *   <li>stop commits: PostgreSQL is stopped with a fast shutdown, which aborts open transactions, writes a
 *       shutdown checkpoint and waits until the connected standbys have received it;</li>
 *   <li>check that the target received everything up to that checkpoint (the old primary's final position);
 *       if not within the time left, the term is kept and PostgreSQL restarts as the primary (nothing lost);</li>
 *   <li>resign, naming the target in the Lease (annotation {@value ClusterView#SUCCESSOR} and
 *       {@code spec.preferredHolder}); the others defer to it, it acquires and promotes;</li>
 *   <li>wait until the target holds the Lease and its server accepts writes.</li>
 * </ol>
 * The old primary then rejoins the target as a standby; its WAL ends at the checkpoint the target has, so the
 * rejoin needs no rewind.
 */
final class Switchover {
    private static final Logger LOG = LoggerFactory.getLogger(Switchover.class);
    private static final Duration POLL = Duration.ofMillis(5);

    /**
     * What the procedure needs from the agent.
     *
     * @param name this member
     * @param writableTerm the term, while this member is the writable primary
     * @param leader the holder as this member's elector saw it last
     * @param statusTtl how old a member's status may be and still count
     * @param stopCommits stops this member's PostgreSQL (fast shutdown), keeping the term; the argument says why
     * @param dataDir this member's data directory
     * @param instanceOf a member's PostgreSQL, reached with this member's credentials
     * @param resign resigns the term naming the given successor; false when no longer leading
     * @param view the Lease and the members as this agent sees them
     */
    record Host(String name, Supplier<Optional<Leadership>> writableTerm, Supplier<Optional<String>> leader,
            Duration statusTtl, Consumer<String> stopCommits, Path dataDir,
            Function<MemberStatus, PostgresInstance> instanceOf, Predicate<String> resign, ClusterView view,
            Predicate<String> streamsFromHere) {
    }

    private final Host host;

    Switchover(Host host) {
        this.host = host;
    }

    /**
     * The member to hand over to: {@code to}, or the best eligible standby.
     *
     * @throws SwitchoverException UNKNOWN_MEMBER for a name no member has, CONFLICT for one that cannot take over
     */
    static MemberStatus choose(String self, Optional<String> to, Map<String, Observed> others, Duration statusTtl) {
        if (to.isPresent()) {
            if (to.get().equals(self)) {
                throw new SwitchoverException(Reason.CONFLICT, "target " + self + " is already the primary",
                        Optional.of(self));
            }
            Observed o = others.get(to.get());
            if (o == null) {
                throw new SwitchoverException(Reason.UNKNOWN_MEMBER, "no member named " + to.get() + " (members: "
                        + new java.util.TreeSet<>(others.keySet()) + ")", Optional.empty());
            }
            ineligibility(self, o, statusTtl).ifPresent(why -> {
                throw new SwitchoverException(Reason.CONFLICT, "target " + to.get() + " cannot take over: " + why,
                        Optional.empty());
            });
            return o.status();
        }
        return others.values().stream().filter(o -> ineligibility(self, o, statusTtl).isEmpty())
                .map(Observed::status)
                .max(Comparator.comparing((MemberStatus s) -> s.position().orElse(Lsn.ZERO))
                        .thenComparingInt(MemberStatus::priority).thenComparing(MemberStatus::name,
                                Comparator.reverseOrder()))
                .orElseThrow(() -> new SwitchoverException(Reason.CONFLICT, "no member can take over: "
                        + describe(self, others, statusTtl), Optional.empty()));
    }

    private static Optional<String> ineligibility(String self, Observed o, Duration statusTtl) {
        MemberStatus s = o.status();
        if (o.age().compareTo(statusTtl) > 0) {
            return Optional.of("its status is " + o.age().toMillis() + " ms old (statusTtl " + statusTtl + ")");
        }
        return s.switchoverIneligibility(self);
    }

    private static String describe(String self, Map<String, Observed> others, Duration statusTtl) {
        if (others.isEmpty()) {
            return "no other member is known";
        }
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(others).forEach((n, o) -> b.append(b.length() == 0 ? "" : "; ").append(n).append(": ")
                .append(ineligibility(self, o, statusTtl).orElse("eligible")));
        return b.toString();
    }

    /** Runs the handover; see the class comment. */
    SwitchoverResult run(Optional<String> to, Duration timeout, Consumer<String> onTarget) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String self = host.name();
        Leadership term = host.writableTerm().get().orElseThrow(() -> new SwitchoverException(Reason.CONFLICT,
                self + " is not the primary", host.leader().get().filter(l -> !l.equals(self))));
        MemberStatus target = choose(self, to, host.view().others(), host.statusTtl());
        // its published status may be older than its death: only what this server itself sees streaming counts,
        // so that a stopped standby is not waited for (switchoverTimeout) while commits stand still
        if (!host.streamsFromHere().test(target.name())) {
            throw new SwitchoverException(Reason.CONFLICT, "target " + target.name() + " is not streaming from "
                    + self + "'s server (pg_stat_replication), whatever its last status says", Optional.empty());
        }
        onTarget.accept(target.name());
        PostgresInstance t = host.instanceOf().apply(target);
        LOG.info("{}: switchover to {} in term {}: stopping commits", self, target.name(), term.term());
        host.stopCommits().accept("switchover to " + target.name());
        PgControl control = PgControl.read(host.dataDir());
        if (!control.cleanlyShutDown()) {
            throw new SwitchoverException(Reason.TIMED_OUT, self + "'s PostgreSQL did not stop cleanly (state "
                    + control.state() + "): its final position is unknown; " + self + " stays the primary",
                    Optional.of(self));
        }
        Lsn last = control.checkpoint();
        Optional<Lsn> received = Optional.empty();
        while (received.isEmpty() && System.nanoTime() < deadline && term.isValid()) {
            PostgresStatus st = t.status();
            received = st.receiveLsn().or(st::replayLsn).filter(r -> r.isAfter(last));
            if (received.isEmpty()) {
                pause();
            }
        }
        if (received.isEmpty()) {
            throw new SwitchoverException(Reason.TIMED_OUT, "target " + target.name() + " did not receive the final"
                    + " position " + last + " within " + timeout + "; " + self + " stays the primary",
                    Optional.of(self));
        }
        LOG.info("{}: {} has received the final position {} (at {}): handing the Lease over", self, target.name(),
                last, received.get());
        if (!host.resign().test(target.name())) {
            throw new SwitchoverException(Reason.CONFLICT, self + " lost its term during the switchover",
                    Optional.empty());
        }
        while (System.nanoTime() < deadline) {
            if (host.view().lease().holder().equals(Optional.of(target.name()))
                    && t.status().state() == PostgresStatus.State.PRIMARY) {
                long elapsed = (System.nanoTime() - start) / 1_000_000;
                LOG.info("{}: switchover to {} done in {} ms (term {})", self, target.name(), elapsed,
                        host.view().term());
                return new SwitchoverResult(self, target.name(), host.view().term(), elapsed);
            }
            pause();
        }
        throw new SwitchoverException(Reason.TIMED_OUT, "target " + target.name() + " did not become the writable"
                + " primary within " + timeout + " (it has every commit; the cluster elects a primary on its own)",
                host.view().lease().holder());
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SwitchoverException(Reason.TIMED_OUT, "interrupted", Optional.empty());
        }
    }
}
