package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.PostgresStatus;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby following the holder: points it at the holder and lets it connect (the agent's next samples see it
 * stream). If it still does not stream from a reachable primary after {@link #TIMEOUT}, its WAL has most likely
 * diverged: it is stopped, and the agent's next step rejoins it (rewind or re-clone). Also makes the
 * {@link PostgresInstance} of another member, reached with this member's credentials. Used by the loop thread.
 */
final class Following {
    private static final Logger LOG = LoggerFactory.getLogger(Following.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final PostgresInstance pg;
    private final AgentConfig config;
    private final Object fenceLock;
    private String target;
    private long sinceNanos;

    Following(PostgresInstance pg, AgentConfig config, Object fenceLock) {
        this.pg = pg;
        this.config = config;
        this.fenceLock = fenceLock;
    }

    /** Notes a sample: a standby streaming from the member it was pointed at restarts the timeout. */
    void sampled(MemberStatus s) {
        if (s.upstream().isPresent() && s.upstream().get().equals(target)) {
            sinceNanos = System.nanoTime();
        }
    }

    /** One step of following {@code member}, whose server is {@code upstream}. */
    void follow(String member, PostgresInstance upstream) {
        long now = System.nanoTime();
        if (!member.equals(target)) {
            pg.pointAt(upstream, config.operationTimeout());
            target = member;
            sinceNanos = now;
            return;
        }
        if (now - sinceNanos < TIMEOUT.toNanos()) {
            return;
        }
        sinceNanos = now;
        if (upstream.status().state() == PostgresStatus.State.PRIMARY) {
            LOG.info("{}: not streaming from {} after {}: stopping to rejoin it (rewind or re-clone)", pg.name(),
                    member, TIMEOUT);
            target = null;
            synchronized (fenceLock) {
                pg.fence(config.fenceTimeout());
            }
        } else {
            pg.pointAt(upstream, config.operationTimeout());
        }
    }

    /** {@code member}'s PostgreSQL, reached with this member's credentials, at its published host and port. */
    PostgresInstance reach(MemberStatus member) {
        var c = pg.config();
        var b = PostgresInstance.builder().name(member.name()).host(member.host()).port(member.port())
                .database(c.database()).superuser(c.superuser()).replication(c.replication()).binDir(c.binDir())
                .passfile(c.passfile()).logFile(c.logFile()).connectTimeout(c.connectTimeout())
                .statementTimeout(c.statementTimeout());
        c.osUser().ifPresent(b::osUser);
        java.nio.file.Path local = config.localDataDirs().get(member.name());
        if (local != null) {
            b.dataDir(local); // on this machine: a clone may copy it when pg_basebackup is missing
        }
        return b.build();
    }
}
