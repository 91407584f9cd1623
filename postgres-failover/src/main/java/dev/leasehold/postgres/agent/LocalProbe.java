package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.PostgresStatus;
import dev.leasehold.postgres.WalReceiver;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * Looks at this member's own PostgreSQL, bounded by the probe timeout: a server that does not answer in time
 * (hung, SIGSTOP) is {@link Role#UNRESPONSIVE}, and a probe still stuck is not started again. Tracks for how long
 * the server has been unhealthy.
 */
final class LocalProbe implements AutoCloseable {

    private final PostgresInstance pg;
    private final AgentConfig config;
    private final LongSupplier nanoTime;
    private final BiFunction<String, Integer, Optional<String>> memberAt;
    private final ExecutorService prober;
    private Future<PostgresStatus> inFlight;
    private long unhealthySinceNanos = -1;
    private volatile PostgresStatus lastStatus;
    private final java.util.function.IntSupplier agentPort;

    /**
     * @param memberAt the member name that listens at a host and port (to name a standby's upstream)
     * @param agentPort the port of this agent's HTTP endpoints, 0 when off
     */
    LocalProbe(AgentConfig config, LongSupplier nanoTime, BiFunction<String, Integer, Optional<String>> memberAt,
            java.util.function.IntSupplier agentPort) {
        this.agentPort = agentPort;
        this.pg = config.member();
        this.config = config;
        this.nanoTime = nanoTime;
        this.memberAt = memberAt;
        this.prober = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "leasehold-agent-probe-" + config.name());
            t.setDaemon(true);
            return t;
        });
    }

    /** Samples the server now. */
    MemberStatus sample(long heartbeat) {
        Role role;
        boolean healthy = false;
        int timeline = 0;
        Optional<Lsn> position = Optional.empty();
        Optional<String> upstream = Optional.empty();
        Optional<String> systemId = Optional.empty();
        if (!pg.hasData()) {
            role = Role.EMPTY;
        } else {
            systemId = readSystemId();
            if (!pg.isRunning()) {
                role = Role.STOPPED;
            } else {
                PostgresStatus s = probe();
                if (s != null) {
                    lastStatus = s;
                }
                if (s == null) {
                    role = Role.UNRESPONSIVE;
                } else if (s.state() == PostgresStatus.State.PRIMARY || s.state() == PostgresStatus.State.STANDBY) {
                    role = s.state() == PostgresStatus.State.PRIMARY ? Role.PRIMARY : Role.REPLICA;
                    healthy = true;
                    timeline = s.state() == PostgresStatus.State.STANDBY ? Math.max(s.timeline(), historyTimeline())
                            : s.timeline();
                    position = s.position();
                    upstream = s.upstream().filter(WalReceiver::streaming)
                            .flatMap(w -> memberAt.apply(w.senderHost(), w.senderPort()));
                } else {
                    role = Role.UNRESPONSIVE;
                }
            }
        }
        long now = nanoTime.getAsLong();
        if (healthy) {
            unhealthySinceNanos = -1;
        } else if (unhealthySinceNanos < 0) {
            unhealthySinceNanos = now;
        }
        var pc = pg.config();
        return new MemberStatus(pc.name(), role, healthy, timeline, position, upstream, config.noFailover(),
                config.priority(), pc.host(), pc.port(), systemId, heartbeat, Agent.VERSION, Instant.now(),
                agentPort.getAsInt());
    }

    /** How long the server has been down or unresponsive; zero while healthy. */
    Duration unhealthyFor() {
        return unhealthySinceNanos < 0 ? Duration.ZERO : Duration.ofNanos(nanoTime.getAsLong() - unhealthySinceNanos);
    }

    /** The full status of the last successful probe, for {@code /status}. */
    Optional<PostgresStatus> lastStatus() {
        return Optional.ofNullable(lastStatus);
    }

    /**
     * The newest timeline whose history file the data directory holds. A standby fetches it when it follows a
     * timeline switch; its status alone falls back to the control file's (older) timeline once its WAL receiver
     * is gone, e.g. right after the primary died.
     */
    private int historyTimeline() {
        java.nio.file.Path wal = pg.config().dataDir().orElseThrow().resolve("pg_wal");
        int newest = 0;
        try (var files = java.nio.file.Files.list(wal)) {
            for (var f : (Iterable<java.nio.file.Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.length() == 16 && n.endsWith(".history")) {
                    try {
                        newest = Math.max(newest, Integer.parseInt(n.substring(0, 8), 16));
                    } catch (NumberFormatException e) {
                        // not a history file
                    }
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return newest;
    }

    private Optional<String> readSystemId() {
        try {
            return Optional.of(Long.toUnsignedString(pg.systemIdentifier()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private PostgresStatus probe() {
        if (inFlight == null || inFlight.isDone()) {
            inFlight = prober.submit(pg::status);
        }
        try {
            return inFlight.get(config.probeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
