package dev.leasehold.postgres;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Points a running standby at a new upstream. */
public final class Follow {
    private static final Logger LOG = LoggerFactory.getLogger(Follow.class);

    /** How the new upstream was applied. */
    public enum Result {
        /** Already configured for that upstream (and streaming from it once this returns). */
        UNCHANGED,
        /** {@code ALTER SYSTEM} and {@code pg_reload_conf()} (PostgreSQL 13 and newer): no restart. */
        RELOADED,
        /** Settings written and the server restarted (before PostgreSQL 13). */
        RESTARTED
    }

    private final PostgresInstance self;

    Follow(PostgresInstance self) {
        this.self = self;
    }

    /**
     * Points a running standby at {@code upstream} without waiting for it to stream: the slot on the upstream,
     * then {@code primary_conninfo} and {@code primary_slot_name} by reload (13+), or by restart before.
     */
    Result point(PostgresInstance upstream, Duration timeout) {
        PostgresStatus status = self.status();
        if (status.state() != PostgresStatus.State.STANDBY) {
            throw new PostgresException("PostgreSQL " + self.describe() + " cannot follow " + upstream.describe()
                    + ": it is " + status.state() + " (a primary must be fenced and rejoined, not followed)");
        }
        upstream.slots().create(self.slotName());
        String conninfo = StandbyConfig.conninfo(self, upstream);
        if (conninfo.equals(currentSetting("primary_conninfo"))
                && self.slotName().equals(currentSetting("primary_slot_name"))) {
            return Result.UNCHANGED;
        }
        Passfile.ensure(self.config());
        if (status.serverVersion() >= 130000) {
            self.execute("ALTER SYSTEM SET primary_conninfo = " + Identifiers.quoteLiteral(conninfo));
            self.execute("ALTER SYSTEM SET primary_slot_name = " + Identifiers.quoteLiteral(self.slotName()));
            self.execute("SELECT pg_reload_conf()");
            LOG.info("PostgreSQL {} pointed at {} (reloaded)", self.describe(), upstream.describe());
            return Result.RELOADED;
        }
        self.commands().runOrThrow(timeout, Map.of(), "pg_ctl",
                List.of("stop", "-D", self.requireDataDir().toString(), "-m", "fast", "-w"));
        StandbyConfig.writeForStopped(self, upstream);
        self.start(timeout);
        LOG.info("PostgreSQL {} pointed at {} (restarted)", self.describe(), upstream.describe());
        return Result.RESTARTED;
    }

    Result follow(PostgresInstance upstream, Duration timeout) {
        Result result = point(upstream, timeout);
        awaitStreaming(self, upstream, timeout);
        if (result != Result.UNCHANGED) {
            LOG.info("PostgreSQL {} follows {} ({})", self.describe(), upstream.describe(), result);
        }
        return result;
    }

    private String currentSetting(String name) {
        return self.withConnection("read " + name, c -> {
            try (var ps = c.prepareStatement("SELECT current_setting(?)")) {
                ps.setString(1, name);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    /** Waits until {@code self} streams from {@code upstream}; a {@link PostgresException} names both if not. */
    static void awaitStreaming(PostgresInstance self, PostgresInstance upstream, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PostgresStatus last;
        do {
            last = self.status();
            boolean ok = last.upstream().map(r -> r.streaming() && r.senderPort() == upstream.config().port()
                    && upstream.config().host().equals(r.senderHost())).orElse(false);
            if (ok) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted while waiting for " + self.describe() + " to stream", e);
            }
        } while (System.nanoTime() - deadline < 0);
        throw new PostgresException("PostgreSQL " + self.describe() + " is not streaming from "
                + upstream.describe() + " after " + timeout + "; last status: " + last.state() + " "
                + last.upstream().map(Object::toString).orElse("no WAL receiver")
                + last.problem().map(p -> " (" + p + ")").orElse("")
                + " (if it diverged from the upstream's timeline, fence it and rejoin, which rewinds)");
    }
}
