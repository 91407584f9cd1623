package dev.leasehold.samples.sidecar;

import dev.leasehold.core.Health;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.samples.sidecar.SidecarHttp.Reply;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader-elector sidecar: competes for a Lease with the Leasehold elector and tells the pod's other
 * containers, probes and Services about it over HTTP.
 *
 * <ul>
 *   <li>{@code GET /leader}: {@code {"holder", "term", "since", "self", "leading"}}; holder, term (the Lease's
 *       {@code leaseTransitions}) and since (its {@code acquireTime}) as the Lease records them, read at the time
 *       of the request, so every candidate answers alike. 503 with the last holder this candidate saw when the
 *       Lease cannot be read.</li>
 *   <li>{@code GET /readyz}: 200 only while this candidate holds a valid term, else 503. As a readiness probe it
 *       makes a Service that selects all candidates route to the leader alone.</li>
 *   <li>{@code GET /healthz}: the elector's {@link LeaderElector#health()}: 503 when it believes it leads past its
 *       renew deadline (a stuck timer), for a liveness probe.</li>
 * </ul>
 *
 * <p>{@link #close()} steps down, releases the Lease (so a follower takes over at once) and stops serving.
 */
public final class Sidecar implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sidecar.class);

    private final SidecarSettings settings;
    private final LeaseLock lock;
    private final LeaderElector elector;
    private final SidecarHttp http;
    private final Duration readTimeout;

    private Sidecar(SidecarSettings settings, KubernetesClient client) {
        this.settings = settings;
        this.lock = LeaseLock.builder().client(client).namespace(settings.namespace()).name(settings.leaseName())
                .identity(settings.identity()).build();
        String who = settings.identity();
        this.elector = LeaderElector.builder()
                .lock(lock)
                .leaseDuration(settings.leaseDuration())
                .renewDeadline(settings.renewDeadline())
                .retryPeriod(settings.retryPeriod())
                .onStartedLeading(leadership -> LOG.info("{}: started leading, term {}", who, leadership.term()))
                .onStoppedLeading(() -> LOG.info("{}: stopped leading", who))
                .onNewLeader(leader -> LOG.info("{}: the leader is {}", who, leader))
                .build();
        this.readTimeout = elector.config().callTimeout();
        Map<String, Supplier<Reply>> routes = new LinkedHashMap<>();
        routes.put("/leader", this::leader);
        routes.put("/readyz", this::ready);
        routes.put("/healthz", this::health);
        this.http = new SidecarHttp(settings.port(), routes);
    }

    /**
     * Starts serving and competing.
     *
     * @param client the client to the API server; stays the caller's (closing the sidecar does not close it)
     * @throws IllegalArgumentException when the settings are unusable together (e.g. renewDeadline not below
     *     leaseDuration), naming the setting and the value
     * @throws java.io.UncheckedIOException when the port cannot be bound
     */
    public static Sidecar start(SidecarSettings settings, KubernetesClient client) {
        Sidecar sidecar = new Sidecar(settings, client);
        sidecar.elector.start();
        return sidecar;
    }

    /** The port it serves on (the real one when the settings asked for 0). */
    public int port() {
        return http.port();
    }

    public SidecarSettings settings() {
        return settings;
    }

    /** True while this candidate holds a valid term. */
    public boolean isLeader() {
        return elector.isLeader();
    }

    private Reply ready() {
        boolean leading = elector.isLeader();
        return new Reply(leading ? 200 : 503, "{\"ready\":" + leading + ",\"self\":"
                + Json.string(settings.identity()) + ",\"state\":" + Json.string(elector.state().toString()) + "}");
    }

    private Reply health() {
        Health health = elector.health();
        return new Reply(health.healthy() ? 200 : 503, "{\"healthy\":" + health.healthy() + ",\"detail\":"
                + Json.string(health.detail()) + "}");
    }

    private Reply leader() {
        String self = Json.string(settings.identity());
        boolean leading = elector.isLeader();
        Optional<LockSnapshot> snapshot;
        try {
            snapshot = lock.get().get(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            String reason = "cannot read " + lock.describe() + ": " + cause;
            return new Reply(503, "{\"holder\":" + Json.string(elector.currentLeader().orElse(null))
                    + ",\"term\":null,\"since\":null,\"self\":" + self + ",\"leading\":" + leading
                    + ",\"error\":" + Json.string(reason) + "}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SidecarHttp.error(503, "interrupted while reading " + lock.describe());
        }
        Optional<LeaderElectionRecord> record = snapshot.flatMap(LockSnapshot::record)
                .filter(r -> !r.isReleased());
        String holder = record.map(LeaderElectionRecord::holderIdentity).orElse(null);
        String term = record.map(r -> Long.toString(r.leaderTransitions())).orElse("null");
        String since = record.flatMap(LeaderElectionRecord::acquireTime).map(Object::toString).orElse(null);
        return new Reply(200, "{\"holder\":" + Json.string(holder) + ",\"term\":" + term + ",\"since\":"
                + Json.string(since) + ",\"self\":" + self + ",\"leading\":" + leading + "}");
    }

    /** Steps down (releasing the Lease if this candidate leads), then stops serving. Idempotent. */
    @Override
    public void close() {
        try {
            elector.close();
        } finally {
            http.close();
        }
    }
}
