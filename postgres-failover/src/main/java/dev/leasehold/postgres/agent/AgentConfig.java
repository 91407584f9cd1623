package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Bootstrap;
import dev.leasehold.postgres.PostgresInstance;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The frozen configuration of an {@link Agent}, made and checked by {@link Builder}. Every setting, its default
 * and its range are listed in docs/configuration.md; {@link AgentSettings} reads them from the environment or a
 * file.
 *
 * @param member this member's PostgreSQL (its name is the member's and its pod's name)
 * @param client the Kubernetes client the agent talks through (not closed by the agent)
 * @param namespace the namespace of the Lease and the pods
 * @param cluster the cluster's name: the Lease's name, and the value of label {@code leasehold.dev/cluster} on
 *     the members' pods
 * @param leaseDuration the elector's lease duration
 * @param renewDeadline the elector's renew deadline
 * @param retryPeriod the elector's retry period
 * @param maxClockDrift the clock-rate difference the timings tolerate
 * @param rules what the decision function applies
 * @param fenceTimeout how long a fence may take: {@code pg_ctl stop -m fast} gets this much, then immediate
 * @param loopInterval how often the agent samples, decides and acts
 * @param statusInterval how often the member publishes its status (heartbeat)
 * @param probeTimeout how long one health probe of PostgreSQL may take before the server counts as unresponsive
 * @param operationTimeout the bound of promote, start, follow, rejoin and clone
 * @param noFailover the {@code nofailover} tag
 * @param priority the {@code priority} tag
 * @param roleLabels the routing label
 * @param httpPort the port of the HTTP endpoints; 0 picks a free one, -1 turns them off
 * @param switchoverTokenFile the file holding the bearer token of {@code POST /switchover}; empty: switchover
 *     over HTTP is off (the file is read at each request, so the token can be rotated)
 * @param switchoverTimeout the bound of a switchover (over HTTP, by Lease request, and the one a primary's agent
 *     tries when told to shut down, SIGTERM, before it stops anyway); keep it below the pod's termination grace
 *     period
 * @param synchronous synchronous mode, when on: how many standbys confirm each commit, and whether commits wait
 *     rather than go asynchronous when fewer are healthy
 * @param failsafe the API-server outage failsafe, when on: a primary whose renews fail keeps its server writable
 *     for as long as every member it knows confirms over HTTP that it will not take over (see {@link Failsafe})
 * @param localDataDirs the data directories of other members that are on this machine (a demo or a test on one
 *     host), by member name: without {@code pg_basebackup}, a clone from such a member is a file copy under the
 *     low-level backup API; empty (the default, and always in Kubernetes): clones need {@code pg_basebackup}
 * @param bootstrap how the first member makes the cluster when there is no data anywhere and the Lease records no
 *     cluster ({@code initdb} arguments, postgresql.conf settings, the addresses pg_hba lets in)
 * @param guard whether a guard process holds this member's server on a leash (on by default): it stops the
 *     server at the term's deadline, or at once when the agent dies, whether or not the agent's JVM runs then
 *     (see {@link dev.leasehold.postgres.leash}); off only for embedding where something else guarantees that
 */
public record AgentConfig(PostgresInstance member, KubernetesClient client, String namespace, String cluster,
        Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, double maxClockDrift,
        DecisionRules rules, Duration fenceTimeout, Duration loopInterval, Duration statusInterval,
        Duration probeTimeout, Duration operationTimeout, boolean noFailover, int priority, RoleLabels roleLabels,
        int httpPort, Optional<java.nio.file.Path> switchoverTokenFile, Duration switchoverTimeout,
        Optional<Synchronous> synchronous, Optional<Failsafe> failsafe,
        java.util.Map<String, java.nio.file.Path> localDataDirs, Bootstrap.Settings bootstrap, boolean guard) {

    /**
     * Synchronous mode's settings.
     *
     * @param count how many standbys confirm each commit ({@code ANY count (...)})
     * @param strict true: with fewer healthy standbys than {@code count}, commits wait; false: they go
     *     asynchronous, and then no member may take over until the set is whole again
     */
    public record Synchronous(int count, boolean strict) {
    }

    /**
     * The failsafe's settings.
     *
     * @param window how long a member that confirmed stays out of the competition (and how long a round of
     *     confirmations keeps the primary writable, less the fence margin)
     * @param timeout how long the primary waits for one member's confirmation
     * @param limit the longest a primary stays writable on confirmations alone, from its first confirmed round
     *     of an outage: after it the primary fences whatever the members say, so that a member missing from the
     *     published list (never asked) may take the Lease after a bounded wait ({@link #offListAfter})
     * @param offListAfter how long an expired Lease must have been free before a member missing from the published
     *     list may take it: {@code (limit + 2 × fenceTimeout) × (1 + 2 × maxClockDrift)}, rounded up to a second
     */
    public record Failsafe(Duration window, Duration timeout, Duration limit, Duration offListAfter) {
    }

    /** The member's name. */
    public String name() {
        return member.name();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link AgentConfig}; {@link #build()} names the setting, the value and the rule it breaks. */
    public static final class Builder {
        private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

        private PostgresInstance member;
        private KubernetesClient client;
        private String namespace = "default";
        private String cluster;
        private Duration leaseDuration = Duration.ofSeconds(10);
        private Duration renewDeadline = Duration.ofSeconds(7);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private double maxClockDrift = 0.01;
        private long maximumLagOnFailover = 1 << 20;
        private Duration statusTtl;
        private Duration deferGrace;
        private Duration laggingFailoverAfter;
        private Duration holdCommitsBelow;
        private Duration fenceBelow = Duration.ZERO;
        private Duration restartWithin = Duration.ofSeconds(5);
        private Duration hangTimeout;
        private Duration fenceTimeout = Duration.ofSeconds(1);
        private Duration loopInterval = Duration.ofMillis(100);
        private Duration statusInterval = Duration.ofSeconds(1);
        private Duration probeTimeout = Duration.ofSeconds(1);
        private Duration operationTimeout = Duration.ofSeconds(60);
        private boolean noFailover;
        private int priority;
        private RoleLabels roleLabels = RoleLabels.LEASEHOLD;
        private int httpPort = 8008;
        private java.nio.file.Path switchoverTokenFile;
        private boolean guard = true;
        private Duration switchoverTimeout = Duration.ofSeconds(20);
        private boolean synchronousMode;
        private int synchronousCount = 1;
        private boolean synchronousStrict;
        private boolean failsafe;
        private Duration failsafeWindow;
        private Duration failsafeTimeout;
        private Duration failsafeLimit;
        private final java.util.Map<String, java.nio.file.Path> localDataDirs = new java.util.TreeMap<>();
        private Bootstrap.Settings bootstrap = Bootstrap.Settings.defaults();
        private java.util.function.BiFunction<String, Object, String> describe = Builder::describe;

        private Builder() {
        }

        public Builder member(PostgresInstance v) { member = v; return this; }
        public Builder client(KubernetesClient v) { client = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder cluster(String v) { cluster = v; return this; }
        public Builder leaseDuration(Duration v) { leaseDuration = v; return this; }
        public Builder renewDeadline(Duration v) { renewDeadline = v; return this; }
        /** Whether a guard process holds the server on a leash (default true); see {@link AgentConfig#guard}. */
        public Builder guard(boolean v) { guard = v; return this; }
        public Builder retryPeriod(Duration v) { retryPeriod = v; return this; }
        public Builder maxClockDrift(double v) { maxClockDrift = v; return this; }
        public Builder maximumLagOnFailover(long v) { maximumLagOnFailover = v; return this; }
        public Builder statusTtl(Duration v) { statusTtl = v; return this; }
        public Builder deferGrace(Duration v) { deferGrace = v; return this; }
        public Builder laggingFailoverAfter(Duration v) { laggingFailoverAfter = v; return this; }
        public Builder holdCommitsBelow(Duration v) { holdCommitsBelow = v; return this; }
        public Builder fenceBelow(Duration v) { fenceBelow = v; return this; }
        public Builder restartWithin(Duration v) { restartWithin = v; return this; }
        public Builder hangTimeout(Duration v) { hangTimeout = v; return this; }
        public Builder fenceTimeout(Duration v) { fenceTimeout = v; return this; }
        public Builder loopInterval(Duration v) { loopInterval = v; return this; }
        public Builder statusInterval(Duration v) { statusInterval = v; return this; }
        public Builder probeTimeout(Duration v) { probeTimeout = v; return this; }
        public Builder operationTimeout(Duration v) { operationTimeout = v; return this; }
        public Builder noFailover(boolean v) { noFailover = v; return this; }
        public Builder priority(int v) { priority = v; return this; }
        public Builder roleLabels(RoleLabels v) { roleLabels = v; return this; }
        public Builder httpPort(int v) { httpPort = v; return this; }
        public Builder switchoverTokenFile(java.nio.file.Path v) { switchoverTokenFile = v; return this; }
        public Builder switchoverTimeout(Duration v) { switchoverTimeout = v; return this; }
        public Builder synchronousMode(boolean v) { synchronousMode = v; return this; }
        public Builder synchronousCount(int v) { synchronousCount = v; return this; }
        public Builder synchronousStrict(boolean v) { synchronousStrict = v; return this; }
        public Builder failsafe(boolean v) { failsafe = v; return this; }
        public Builder failsafeWindow(Duration v) { failsafeWindow = v; return this; }
        public Builder failsafeTimeout(Duration v) { failsafeTimeout = v; return this; }
        public Builder failsafeLimit(Duration v) { failsafeLimit = v; return this; }
        /** Another member's data directory on this machine (see {@link AgentConfig#localDataDirs()}). */
        public Builder localDataDir(String memberName, java.nio.file.Path dir) {
            require(memberName != null && DNS_LABEL.matcher(memberName).matches(), "localDataDirs", memberName,
                    "must name a member (a DNS-1123 label)");
            require(dir != null && dir.isAbsolute(), "localDataDirs", memberName + "=" + dir,
                    "must be an absolute path");
            localDataDirs.put(memberName, dir);
            return this;
        }
        public Builder bootstrap(Bootstrap.Settings v) { bootstrap = v; return this; }

        /**
         * How {@link #build()} names a setting and its value in what it refuses: by default {@code renewDeadline = 12s};
         * {@link AgentSettings} names the environment variable and the value as given instead.
         */
        Builder describedBy(java.util.function.BiFunction<String, Object, String> v) { describe = v; return this; }

        public AgentConfig build() {
            require(member != null, "member", null, "is required");
            require(client != null, "client", null, "is required");
            require(namespace != null && DNS_LABEL.matcher(namespace).matches() && namespace.length() <= 63,
                    "namespace", namespace, "must be a DNS-1123 label");
            require(cluster != null && DNS_LABEL.matcher(cluster).matches() && cluster.length() <= 63, "cluster",
                    cluster, "must be a DNS-1123 label");
            for (var d : new Object[][] {{"leaseDuration", leaseDuration}, {"renewDeadline", renewDeadline},
                    {"retryPeriod", retryPeriod}, {"fenceTimeout", fenceTimeout}, {"loopInterval", loopInterval},
                    {"statusInterval", statusInterval}, {"probeTimeout", probeTimeout},
                    {"operationTimeout", operationTimeout}, {"restartWithin", restartWithin},
                    {"switchoverTimeout", switchoverTimeout}}) {
                positive((String) d[0], (Duration) d[1]);
            }
            require(leaseDuration.toNanos() % 1_000_000_000L == 0, "leaseDuration", leaseDuration,
                    "must be whole seconds (a Lease stores seconds)");
            require(renewDeadline.compareTo(leaseDuration) < 0, "renewDeadline", renewDeadline,
                    "must be below " + ref("leaseDuration", leaseDuration));
            require(retryPeriod.compareTo(renewDeadline) < 0, "retryPeriod", retryPeriod,
                    "must be below " + ref("renewDeadline", renewDeadline));
            require(maxClockDrift >= 0 && maxClockDrift < 0.5, "maxClockDrift", maxClockDrift, "must be in [0, 0.5)");
            require(maximumLagOnFailover >= 0, "maximumLagOnFailover", maximumLagOnFailover, "must be >= 0 bytes");
            Duration margin = leaseDuration.minus(renewDeadline);
            Duration drift = Duration.ofNanos((long) (leaseDuration.toNanos() * maxClockDrift * 2));
            // the fence starts at the latest when the term ends, and needs fenceTimeout for the fast stop plus as
            // much again for the immediate stop and the kill; the followers' clocks may run ahead by the drift
            Duration fenceWorst = fenceTimeout.multipliedBy(2).plus(drift);
            require(fenceWorst.compareTo(margin) < 0, "fenceTimeout", fenceTimeout,
                    "leaves no room for the fence: 2 × fenceTimeout + clock drift (" + show(drift) + ") = "
                            + show(fenceWorst) + " must be below " + ref("leaseDuration", leaseDuration) + " - "
                            + ref("renewDeadline", renewDeadline) + " = " + show(margin));
            Duration ttl = statusTtl != null ? statusTtl : statusInterval.multipliedBy(3);
            require(ttl.compareTo(statusInterval) > 0, "statusTtl", ttl,
                    "must exceed " + ref("statusInterval", statusInterval));
            Duration grace = deferGrace != null ? deferGrace : retryPeriod.multipliedBy(2);
            require(!grace.isNegative(), "deferGrace", grace, "must not be negative");
            require(laggingFailoverAfter == null || !laggingFailoverAfter.isNegative(), "laggingFailoverAfter",
                    laggingFailoverAfter, "must not be negative (leave it unset for never)");
            Duration hold = holdCommitsBelow != null ? holdCommitsBelow
                    : renewDeadline.minus(retryPeriod.multipliedBy(2));
            require(hold.compareTo(fenceBelow) > 0 && hold.compareTo(renewDeadline) < 0, "holdCommitsBelow", hold,
                    "must be between " + ref("fenceBelow", fenceBelow) + " and " + ref("renewDeadline", renewDeadline));
            require(fenceBelow != null && !fenceBelow.isNegative(), "fenceBelow", fenceBelow,
                    "must be zero (fence when the elector ends the term) or positive");
            require(fenceBelow.compareTo(renewDeadline.minus(retryPeriod)) < 0, "fenceBelow", fenceBelow,
                    "must be below " + ref("renewDeadline", renewDeadline) + " - " + ref("retryPeriod", retryPeriod)
                            + " = " + show(renewDeadline.minus(retryPeriod))
                            + ", or a healthy leader would fence itself between renews");
            Duration hang = hangTimeout != null ? hangTimeout : probeTimeout.multipliedBy(3);
            require(hang.compareTo(probeTimeout) >= 0, "hangTimeout", hang,
                    "must be at least " + ref("probeTimeout", probeTimeout));
            require(httpPort >= -1 && httpPort <= 65535, "httpPort", httpPort, "must be -1 (off), 0 (any) or a port");
            require(roleLabels != null, "roleLabels", null, "is required");
            require(bootstrap != null, "bootstrap", null, "is required (Bootstrap.Settings.defaults() if unsure)");
            require(synchronousCount >= 1 && synchronousCount <= 16, "synchronousCount", synchronousCount,
                    "must be between 1 and 16");
            Optional<Failsafe> safe = Optional.empty();
            if (failsafe) {
                require(httpPort != -1, "failsafe", true, "needs the HTTP endpoints (" + ref("httpPort", httpPort)
                        + "): members confirm over HTTP");
                Duration window = failsafeWindow != null ? failsafeWindow : leaseDuration;
                Duration timeout = failsafeTimeout != null ? failsafeTimeout : retryPeriod.dividedBy(2);
                positive("failsafeWindow", window);
                positive("failsafeTimeout", timeout);
                Duration needed = fenceWorst.plus(timeout).plus(retryPeriod);
                require(window.compareTo(needed) > 0, "failsafeWindow", window, "must exceed 2 × fenceTimeout +"
                        + " clock drift + failsafeTimeout + retryPeriod = " + show(needed)
                        + ": a round of confirmations must outlast the next round and the fence");
                require(window.compareTo(leaseDuration) <= 0, "failsafeWindow", window, "must not exceed "
                        + ref("leaseDuration", leaseDuration) + ": a promise lives in the member's agent, and a restarted agent may take"
                        + " an expired Lease leaseDuration after it starts");
                Duration limit = failsafeLimit != null ? failsafeLimit : Duration.ofMinutes(5);
                require(limit.compareTo(window) > 0, "failsafeLimit", limit, "must exceed "
                        + ref("failsafeWindow", window));
                long stretched = (long) Math.ceil((limit.plus(fenceTimeout.multipliedBy(2)).toMillis())
                        * (1 + 2 * maxClockDrift) / 1000.0);
                safe = Optional.of(new Failsafe(window, timeout, limit, Duration.ofSeconds(stretched)));
            } else {
                require(failsafeLimit == null, "failsafeLimit", failsafeLimit, "needs failsafe on");
                require(failsafeWindow == null, "failsafeWindow", failsafeWindow, "needs failsafe on");
                require(failsafeTimeout == null, "failsafeTimeout", failsafeTimeout, "needs failsafe on");
            }
            DecisionRules rules = new DecisionRules(maximumLagOnFailover, ttl, grace,
                    Optional.ofNullable(laggingFailoverAfter), hold, fenceBelow, restartWithin, hang);
            return new AgentConfig(member, client, namespace, cluster, leaseDuration, renewDeadline, retryPeriod,
                    maxClockDrift, rules, fenceTimeout, loopInterval, statusInterval, probeTimeout, operationTimeout,
                    noFailover, priority, roleLabels, httpPort, Optional.ofNullable(switchoverTokenFile),
                    switchoverTimeout, synchronousMode ? Optional.of(new Synchronous(synchronousCount,
                    synchronousStrict)) : Optional.empty(), safe, java.util.Map.copyOf(localDataDirs), bootstrap,
                    guard);
        }

        private void positive(String name, Duration value) {
            require(value != null, name, null, "is required");
            require(!value.isNegative() && !value.isZero(), name, value, "must be positive");
        }

        private void require(boolean ok, String name, Object value, String rule) {
            if (!ok) {
                throw new IllegalArgumentException(describe.apply(name, value) + " " + rule);
            }
        }

        /** Another setting named in a rule, with its value. */
        private String ref(String name, Object value) {
            return describe.apply(name, value);
        }

        private static String describe(String name, Object value) {
            return value == null ? name : name + " = " + show(value);
        }

        /** A value as a person writes it: durations as {@code 500ms}, {@code 10s}, {@code 3.9s}, {@code 5m}. */
        static String show(Object value) {
            if (!(value instanceof Duration d)) {
                return String.valueOf(value);
            }
            if (d.getNano() % 1_000_000 != 0 || d.isNegative()) {
                return d.toString();
            }
            long ms = d.toMillis();
            if (ms >= 60_000 && ms % 60_000 == 0) {
                return ms / 60_000 + "m";
            }
            if (ms < 1_000 && ms != 0) {
                return ms + "ms";
            }
            return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
        }
    }
}
