package dev.leasehold.postgres.agent;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.Rewind;
import dev.leasehold.postgres.agent.Decision.Step;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the step a {@link Decision} names on this member's PostgreSQL (promote, initdb, hold commits, fence,
 * restart, release, follow, rejoin, clone, start as a standby); a step that failed is retried no sooner than a
 * second later, and its failure is logged once per message. Runs on the loop thread.
 */
final class Steps {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's
    private static final Duration STEP_BACKOFF = Duration.ofSeconds(1);

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final AgentState state;
    private final ClusterView view;
    private final Leading leading;
    private final ClusterBootstrap bootstrap;
    private final Watchdog watchdog;
    private final Following following;
    private final AgentListener listener;
    private final PodPublisher publisher;
    private final Supplier<LeaderElector> elector;
    private volatile Rewind.Result lastRejoin;
    private Step failedStep;
    private long retryStepAtNanos;
    private String lastFailure = "";

    Steps(AgentConfig config, AgentState state, ClusterView view, Leading leading, ClusterBootstrap bootstrap,
            Watchdog watchdog, Following following, AgentListener listener, PodPublisher publisher,
            Supplier<LeaderElector> elector) {
        this.config = config;
        this.pg = config.member();
        this.name = config.name();
        this.state = state;
        this.view = view;
        this.leading = leading;
        this.bootstrap = bootstrap;
        this.watchdog = watchdog;
        this.following = following;
        this.listener = listener;
        this.publisher = publisher;
        this.elector = elector;
    }

    /** The last rejoin, and how it went (rewind, re-clone or neither). */
    Optional<Rewind.Result> lastRejoin() {
        return Optional.ofNullable(lastRejoin);
    }

    void act(Decision d, MemberStatus s, Leadership l) {
        if (d.step() != Step.HOLD_COMMITS && state.holding && s.role() == Role.PRIMARY) {
            attempt(Step.HOLD_COMMITS, () -> leading.holdCommits(false));
        }
        if (d.step() == failedStep && System.nanoTime() - retryStepAtNanos < 0) {
            return;
        }
        switch (d.step()) {
            case NONE -> {
                // a term that ended between the elector's deadline and its stopped-leading callback is not led
                // on (the failsafe may keep the server writable then, but nothing changes under it)
                if (l != null && l.isValid() && s.role() == Role.PRIMARY) {
                    leading.lead(l, s);
                }
            }
            case PROMOTE -> attempt(Step.PROMOTE, () -> leading.promote(l));
            case INITDB -> attempt(Step.INITDB, () -> bootstrap.run(l));
            case HOLD_COMMITS -> {
                if (!state.holding) {
                    attempt(Step.HOLD_COMMITS, () -> leading.holdCommits(true));
                }
            }
            case FENCE -> {
                if (state.pgWritable || s.role() == Role.PRIMARY) {
                    watchdog.fence(d.reason());
                }
            }
            case RESTART -> attempt(Step.RESTART, () -> {
                // a term about to end is not restarted on: its guard would stop the server as it came up
                if (l != null && l.validFor().compareTo(Watchdog.GUARD_LEAD) > 0) {
                    watchdog.startWritable(() -> pg.start(config.operationTimeout()));
                }
            });
            case RELEASE -> release(d.reason());
            case FOLLOW -> upstream(d).ifPresent(u -> attempt(Step.FOLLOW,
                    () -> following.follow(d.target().get(), u)));
            case REJOIN -> upstream(d).ifPresent(u -> attempt(Step.REJOIN, () -> {
                lastRejoin = pg.rejoin(u, config.operationTimeout());
                LOG.info("{}: rejoined {}: {} ({})", name, d.target().get(), lastRejoin.outcome(),
                        lastRejoin.reason());
                listener.onRejoined(lastRejoin.outcome().toString());
            }));
            case CLONE -> upstream(d).ifPresent(u -> attempt(Step.CLONE, () -> {
                pg.cloneFrom(u, config.operationTimeout());
                pg.start(config.operationTimeout());
                listener.onRejoined("re-cloned from " + u.name());
            }));
            case START_STANDBY -> attempt(Step.START_STANDBY, () -> pg.startAsStandby(config.operationTimeout()));
            case REFUSE -> { }
            default -> throw new IllegalStateException("unknown step " + d.step());
        }
    }

    private void attempt(Step step, Runnable work) {
        try {
            work.run();
            if (step == failedStep) {
                failedStep = null;
                lastFailure = "";
            }
        } catch (RuntimeException e) {
            failedStep = step;
            retryStepAtNanos = System.nanoTime() + STEP_BACKOFF.toNanos();
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!message.equals(lastFailure)) {
                LOG.warn("{}: {} failed, retrying in {}: {}", name, step, STEP_BACKOFF, message);
                lastFailure = message;
            }
        }
    }

    /** Fences, then resigns the term (the elector releases the Lease and stays away for one lease duration). */
    private void release(String why) {
        if (pg.isRunning()) {
            watchdog.fence(why);
        }
        LOG.info("{}: releasing the Lease: {}", name, why);
        if (elector.get().resign(config.leaseDuration())) {
            publisher.event("Released", why);
        }
    }

    /** The holder's PostgreSQL, reached with this member's credentials, from its published host and port. */
    private Optional<PostgresInstance> upstream(Decision d) {
        return d.target().flatMap(view::status).map(following::reach);
    }
}
