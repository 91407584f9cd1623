package dev.leasehold.core;

import dev.leasehold.core.spi.MultiLock;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Builds a {@link LeaderElector}. Defaults follow client-go: lease 15 s, renew deadline 10 s, retry period 2 s.
 *
 * <p>{@link #build()} rejects a setting that would break the guarantees, naming the parameter, the value and
 * the rule.
 */
public final class LeaderElectorBuilder {

    private ResourceLock lock;
    private Duration leaseDuration = Duration.ofSeconds(15);
    private Duration renewDeadline = Duration.ofSeconds(10);
    private Duration retryPeriod = Duration.ofSeconds(2);
    private Duration callTimeout;
    private double jitter = 0.2;
    private double maxClockDrift = 0.01;
    private boolean releaseOnClose = true;
    private Consumer<Leadership> onStartedLeading = leadership -> { };
    private Runnable onStoppedLeading = () -> { };
    private Consumer<String> onNewLeader = identity -> { };
    private final List<ElectorListener> listeners = new ArrayList<>();
    private ElectionScheduler scheduler;
    private Executor callbackExecutor;
    private RandomGenerator random;
    private Duration closeDrainTimeout;
    private Duration watchRecheck;
    private boolean initialWait;
    private Duration releaseTakeoverDelay = Duration.ZERO;
    private StartFailurePolicy startFailure = StartFailurePolicy.RESIGN;
    private boolean closeOnShutdown;

    LeaderElectorBuilder() {
    }

    /** The lock to compete for (required). Its identity is this candidate's. The elector closes it on close. */
    public LeaderElectorBuilder lock(ResourceLock lock) {
        this.lock = lock;
        return this;
    }

    /**
     * How long followers wait, from the last change of the lock they observed, before taking it over. Longer
     * means slower failover after a crash; shorter means a leader must reach the API server more reliably.
     * Default 15 s.
     */
    public LeaderElectorBuilder leaseDuration(Duration leaseDuration) {
        this.leaseDuration = leaseDuration;
        return this;
    }

    /**
     * How long a leader's term stays valid after the start of its last successful renew; the leader steps down
     * when it passes, even while a call hangs. {@code leaseDuration - renewDeadline} is the margin for clock
     * drift and for stopping work. Default 10 s.
     */
    public LeaderElectorBuilder renewDeadline(Duration renewDeadline) {
        this.renewDeadline = renewDeadline;
        return this;
    }

    /** How often the leader renews and followers without a watch poll. Default 2 s. */
    public LeaderElectorBuilder retryPeriod(Duration retryPeriod) {
        this.retryPeriod = retryPeriod;
        return this;
    }

    /** The longest one lock call may take before it counts as failed. Default: a third of the renew deadline. */
    public LeaderElectorBuilder callTimeout(Duration callTimeout) {
        this.callTimeout = callTimeout;
        return this;
    }

    /** The random stretch (0 to 1) of polling and backoff delays, so candidates do not move in step. Default 0.2. */
    public LeaderElectorBuilder jitter(double jitter) {
        this.jitter = jitter;
        return this;
    }

    /**
     * The largest clock-rate difference between any two candidates that the timings must tolerate, e.g. 0.01 for
     * 1 %. Safety needs {@code renewDeadline × (1 + drift) < leaseDuration × (1 − drift)}. Default 0.01.
     */
    public LeaderElectorBuilder maxClockDrift(double maxClockDrift) {
        this.maxClockDrift = maxClockDrift;
        return this;
    }

    /** Whether closing a leading elector writes an empty holder so a follower takes over at once. Default true. */
    public LeaderElectorBuilder releaseOnClose(boolean releaseOnClose) {
        this.releaseOnClose = releaseOnClose;
        return this;
    }

    /** Called once this candidate's write made it holder, with the handle of the new term. */
    public LeaderElectorBuilder onStartedLeading(Consumer<Leadership> callback) {
        this.onStartedLeading = callback;
        return this;
    }

    /**
     * Called exactly once after each started-leading, when that term ends. Never called for a candidate that
     * never led.
     */
    public LeaderElectorBuilder onStoppedLeading(Runnable callback) {
        this.onStoppedLeading = callback;
        return this;
    }

    /** Called with each new holder's identity as it is observed, this candidate's included. */
    public LeaderElectorBuilder onNewLeader(Consumer<String> callback) {
        this.onNewLeader = callback;
        return this;
    }

    /**
     * Adds a listener that hears every state transition and lock call (metrics, Kubernetes events). Call it once
     * per listener; they hear each event in the order they were added, and one that throws does not silence the
     * others.
     */
    public LeaderElectorBuilder listener(ElectorListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
        return this;
    }

    /** The time source and timer. Default: {@link ElectionScheduler#shared()}. */
    public LeaderElectorBuilder scheduler(ElectionScheduler scheduler) {
        this.scheduler = scheduler;
        return this;
    }

    /** Where callbacks run. Default: a shared pool of daemon threads that shrinks to none when idle. */
    public LeaderElectorBuilder callbackExecutor(Executor callbackExecutor) {
        this.callbackExecutor = callbackExecutor;
        return this;
    }

    /** The source of jitter; give a seeded one for reproducible tests. */
    public LeaderElectorBuilder random(RandomGenerator random) {
        this.random = random;
        return this;
    }

    /**
     * How long a closing leader keeps renewing the lock while its stopped-leading callback still runs, so that
     * no follower takes over before the old leader's work has stopped. Renewing also ends when the callback
     * returns (then the lock is released) or when a renew fails past the renew deadline. Once this passes, the
     * lock is left to expire (it is still released if stopped-leading returns first). Default: leaseDuration.
     */
    public LeaderElectorBuilder closeDrainTimeout(Duration closeDrainTimeout) {
        this.closeDrainTimeout = closeDrainTimeout;
        return this;
    }

    /**
     * How long a follower whose watch is up may hear nothing from it before it reads the lock anyway, so that a
     * watch that is silently dead (half-open) cannot hide a release until the lease expires. A live leader's
     * renewals reach the watch every retry period, so a healthy watch costs no reads. Default: half the lease
     * duration.
     */
    public LeaderElectorBuilder watchRecheck(Duration watchRecheck) {
        this.watchRecheck = watchRecheck;
        return this;
    }

    /**
     * Whether to wait one lease duration after {@link LeaderElector#start()} before the first acquisition. This
     * protects the one case the elector cannot see by itself: a process starting fresh after the lock object was
     * deleted (or restored from a backup) while an old leader, cut off from the API server, still holds a valid
     * term. Default false: a fresh candidate takes a free or missing lock at once.
     */
    public LeaderElectorBuilder initialWait(boolean initialWait) {
        this.initialWait = initialWait;
        return this;
    }

    /**
     * How long a follower waits, after it sees another holder release the lock, before taking it over. Zero (the
     * default) takes over at once. For fleets mixed with clients that release before their stop callback has run
     * (kubernetes-client/java's elector does), a delay as long as that client's stop work keeps the two leaders'
     * work apart.
     */
    public LeaderElectorBuilder releaseTakeoverDelay(Duration releaseTakeoverDelay) {
        this.releaseTakeoverDelay = releaseTakeoverDelay;
        return this;
    }

    /**
     * What to do when the started-leading callback throws: {@link StartFailurePolicy#RESIGN} (the default) gives
     * the lock up and stays away for one lease duration; {@link StartFailurePolicy#KEEP_LEADING} logs and leads on.
     */
    public LeaderElectorBuilder onStartFailure(StartFailurePolicy policy) {
        this.startFailure = policy;
        return this;
    }

    /**
     * Whether a JVM shutdown hook closes the elector (a leader then runs stopped-leading and releases, so that a
     * follower takes over at once instead of after the lease). The hook is removed when the elector is closed.
     * Default false.
     */
    public LeaderElectorBuilder closeOnShutdown(boolean closeOnShutdown) {
        this.closeOnShutdown = closeOnShutdown;
        return this;
    }

    /**
     * Runs {@code work} on a thread of its own for each term, from started-leading, and interrupts it when the
     * term ends (deadline, loss, resignation or close); stopped-leading waits for it to return, so a closing
     * leader keeps the lock until its work has stopped. Replaces {@link #onStartedLeading} and
     * {@link #onStoppedLeading}. The work should return promptly when interrupted.
     */
    public LeaderElectorBuilder leaderWork(Consumer<Leadership> work) {
        require(work != null, "leaderWork", null, "must not be null");
        LeaderWork runner = new LeaderWork(work);
        this.onStartedLeading = runner::start;
        this.onStoppedLeading = runner::stop;
        return this;
    }

    /** Checks the settings and builds the elector, which does nothing until {@link LeaderElector#start()}. */
    public LeaderElector build() {
        return new LeaderElector(config());
    }

    ElectionConfig config() {
        require(lock != null, "lock", null, "is required");
        String identity = lock.identity();
        require(identity != null && !identity.isBlank(), "identity", identity, "must not be blank");
        require(!MultiLock.UNKNOWN_HOLDER.equals(identity), "identity", identity,
                "is reserved: MultiLock reports it while its two objects name different holders");
        positive("leaseDuration", leaseDuration);
        positive("renewDeadline", renewDeadline);
        positive("retryPeriod", retryPeriod);
        require(renewDeadline.compareTo(leaseDuration) < 0, "renewDeadline", renewDeadline,
                "must be below leaseDuration (" + leaseDuration + ")");
        require(retryPeriod.compareTo(renewDeadline) < 0, "retryPeriod", retryPeriod,
                "must be below renewDeadline (" + renewDeadline + ")");
        require(maxClockDrift >= 0 && maxClockDrift < 0.5, "maxClockDrift", maxClockDrift, "must be in [0, 0.5)");
        require(renewDeadline.toNanos() * (1 + maxClockDrift) < leaseDuration.toNanos() * (1 - maxClockDrift),
                "renewDeadline", renewDeadline, "leaves no margin for a clock drift of " + maxClockDrift
                        + " against leaseDuration " + leaseDuration
                        + " (needs renewDeadline × (1 + drift) < leaseDuration × (1 − drift))");
        require(jitter >= 0 && jitter <= 1, "jitter", jitter, "must be in [0, 1]");
        Duration timeout = callTimeout != null ? callTimeout : renewDeadline.dividedBy(3);
        positive("callTimeout", timeout);
        require(timeout.compareTo(renewDeadline) < 0, "callTimeout", timeout,
                "must be below renewDeadline (" + renewDeadline + ")");
        Optional<Duration> lockTimeout = lock.callTimeout();
        require(lockTimeout.isEmpty() || lockTimeout.get().compareTo(timeout) <= 0, "callTimeout", timeout,
                "is below the call timeout of " + lock.describe() + " (" + lockTimeout.orElse(null)
                        + "): the elector would give up on calls the lock keeps running. Set the lock's callTimeout "
                        + "to at most " + timeout + ", or raise the elector's callTimeout (by default a third of "
                        + "renewDeadline) to at least " + lockTimeout.orElse(null));
        Duration granularity = lock.durationGranularity();
        require(leaseDuration.toNanos() % granularity.toNanos() == 0, "leaseDuration", leaseDuration,
                "must be a whole multiple of " + granularity + ", the finest duration " + lock.describe()
                        + " can store");
        Duration drain = closeDrainTimeout != null ? closeDrainTimeout : leaseDuration;
        positive("closeDrainTimeout", drain);
        Duration recheck = watchRecheck != null ? watchRecheck : leaseDuration.dividedBy(2);
        positive("watchRecheck", recheck);
        require(releaseTakeoverDelay != null && !releaseTakeoverDelay.isNegative(), "releaseTakeoverDelay",
                releaseTakeoverDelay, "must be zero or positive");
        require(releaseTakeoverDelay.compareTo(leaseDuration) < 0, "releaseTakeoverDelay", releaseTakeoverDelay,
                "must be below leaseDuration (" + leaseDuration + ")");
        require(startFailure != null, "onStartFailure", null, "must not be null");
        require(onStartedLeading != null, "onStartedLeading", null, "must not be null");
        require(onStoppedLeading != null, "onStoppedLeading", null, "must not be null");
        require(onNewLeader != null, "onNewLeader", null, "must not be null");
        return new ElectionConfig(lock, leaseDuration, renewDeadline, retryPeriod, timeout, jitter, maxClockDrift,
                releaseOnClose, onStartedLeading, onStoppedLeading, onNewLeader,
                listeners.isEmpty() ? Optional.empty() : Optional.of(ElectorListener.all(listeners)),
                scheduler != null ? scheduler : ElectionScheduler.shared(),
                callbackExecutor != null ? callbackExecutor : CallbackPool.shared(),
                random != null ? random : new Random(), drain, recheck, initialWait,
                releaseTakeoverDelay, startFailure, closeOnShutdown);
    }

    private static void positive(String name, Duration value) {
        require(value != null, name, null, "is required");
        require(!value.isNegative() && !value.isZero(), name, value, "must be positive");
    }

    private static void require(boolean ok, String name, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(name + " " + (value == null ? "" : "= " + value + " ") + rule);
        }
    }

}
