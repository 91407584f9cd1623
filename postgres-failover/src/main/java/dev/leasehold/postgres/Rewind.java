package dev.leasehold.postgres;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rejoins a stopped former primary (or standby) to an upstream: decides from its {@code pg_control}
 * and the upstream's timeline history whether its WAL diverged, and if so rewinds it with
 * {@code pg_rewind} or, when that is impossible (no {@code pg_rewind} program, unrelated cluster,
 * rewind failed), re-clones it. A diverged instance is never started without one of the two.
 *
 * <p>Divergence rule, for an instance whose WAL ends on timeline {@code T}: if the upstream is on
 * {@code T}, it has not diverged unless it is ahead of the upstream. Otherwise find where the
 * upstream's history left {@code T} (the switch point {@code S}); if {@code T} is not in the history
 * it diverged. A cleanly stopped primary's last record is its shutdown checkpoint at {@code C}; it
 * diverged if {@code C >= S} (the upstream never got that record). A stopped standby diverged if its
 * minimum recovery point is after {@code S}. An instance that did not stop cleanly is first run
 * through crash recovery in single-user mode (as {@code pg_rewind} itself does) so that these
 * positions are exact, except a standby stopped mid-recovery on the upstream's own timeline and not
 * past it: it restarts as it is, since single-user recovery would end its recovery with a checkpoint
 * record at an LSN where the upstream holds other WAL.
 *
 * <p>The rule is applied again to the result of a rewind or re-clone. Before {@code pg_rewind} the
 * upstream is asked for a {@code CHECKPOINT}: {@code pg_rewind} takes the source's timeline from its
 * control file, which a just-promoted server updates only at its next checkpoint, and would otherwise
 * answer "no rewind required" and leave the instance diverged. A rewind that still leaves it diverged
 * falls back to a re-clone; a re-clone that does is an error, and the instance is not started.
 */
public final class Rewind {
    private static final Logger LOG = LoggerFactory.getLogger(Rewind.class);

    /** Outcome of a rejoin. */
    public enum Outcome {
        /** Its WAL is part of the upstream's history: configured as standby and started as is. */
        NOT_DIVERGED,
        /** Diverged; {@code pg_rewind} brought it back onto the upstream's history. */
        REWOUND,
        /** Diverged and rewind was impossible; the data directory was replaced by a fresh copy. */
        RECLONED
    }

    /**
     * @param outcome what was done
     * @param reason why, in words (e.g. which positions showed the divergence, or why rewind was impossible)
     */
    public record Result(Outcome outcome, String reason) {
    }

    /** What the upstream's side of the divergence check needs. */
    record UpstreamHistory(long systemIdentifier, int timeline, Lsn currentLsn, TimelineHistory history) {
    }

    private final PostgresInstance self;

    Rewind(PostgresInstance self) {
        this.self = self;
    }

    Result rejoin(PostgresInstance upstream, Duration timeout) {
        var data = self.requireDataDir();
        if (self.isRunning()) {
            throw new PostgresException("PostgreSQL " + self.describe()
                    + " is running; fence it before rejoining it to " + upstream.describe());
        }
        Postmaster.awaitReaped(data, timeout);
        UpstreamHistory up = readUpstream(upstream);
        PgControl before = PgControl.read(data);
        // a standby stopped mid-recovery (killed: its guard, a crash) on the upstream's own timeline restarts as it
        // is: single-user crash recovery would end its recovery and write an end-of-recovery checkpoint at an
        // LSN where the upstream holds other WAL, a divergence no position comparison sees
        boolean standbyInPlace = before.state() == PgControl.DbState.IN_ARCHIVE_RECOVERY
                && before.systemIdentifier() == up.systemIdentifier() && before.timeline() == up.timeline()
                && !before.minRecoveryPoint().isAfter(up.currentLsn());
        StandbyConfig.deleteQuietly(data.resolve("standby.signal"));
        StandbyConfig.deleteQuietly(data.resolve("recovery.signal"));
        PgControl control = standbyInPlace ? before : ensureCleanShutdown(timeout);
        Optional<String> divergence = divergence(control, up);
        Result result;
        if (divergence.isEmpty()) {
            result = new Result(Outcome.NOT_DIVERGED, "WAL ends at " + control.checkpoint() + " on timeline "
                    + control.timeline() + ", within the history of " + upstream.describe());
        } else if (!self.commands().has("pg_rewind")) {
            result = reclone(upstream, timeout, divergence.get() + "; rewind impossible: no pg_rewind in "
                    + self.commands().binDir());
        } else if (control.systemIdentifier() != up.systemIdentifier()) {
            result = reclone(upstream, timeout, divergence.get());
        } else {
            result = rewindOrReclone(upstream, timeout, divergence.get());
        }
        if (result.outcome() != Outcome.NOT_DIVERGED) {
            Optional<String> still = divergence(PgControl.read(data), readUpstream(upstream));
            if (still.isPresent() && result.outcome() == Outcome.REWOUND) {
                result = reclone(upstream, timeout, divergence.get() + "; rewind impossible: after pg_rewind "
                        + still.get());
                still = divergence(PgControl.read(data), readUpstream(upstream));
            }
            if (still.isPresent()) {
                throw new PostgresException("PostgreSQL " + self.describe() + " still diverges from "
                        + upstream.describe() + " after " + result.outcome() + ": " + still.get()
                        + "; not starting it");
            }
        }
        upstream.slots().create(self.slotName());
        StandbyConfig.writeForStopped(self, upstream);
        self.start(timeout);
        Follow.awaitStreaming(self, upstream, timeout);
        LOG.info("PostgreSQL {} rejoined {} as standby: {} ({})", self.describe(), upstream.describe(),
                result.outcome(), result.reason());
        return result;
    }

    /** Why the instance's WAL diverged from the upstream's history, or empty if it did not. */
    static Optional<String> divergence(PgControl control, UpstreamHistory up) {
        if (control.systemIdentifier() != up.systemIdentifier()) {
            return Optional.of("system identifier " + Long.toUnsignedString(control.systemIdentifier())
                    + " differs from the upstream's " + Long.toUnsignedString(up.systemIdentifier()));
        }
        int tli = control.timeline();
        Lsn end = control.checkpoint().isAfter(control.minRecoveryPoint()) ? control.checkpoint()
                : control.minRecoveryPoint();
        if (tli == up.timeline()) {
            return end.isAfter(up.currentLsn())
                    ? Optional.of("WAL ends at " + end + ", ahead of the upstream's " + up.currentLsn()
                            + " on the same timeline " + tli)
                    : Optional.empty();
        }
        Optional<Lsn> switchPoint = up.history().switchPointOf(tli);
        if (switchPoint.isEmpty()) {
            return Optional.of("timeline " + tli + " is not in the history of the upstream's timeline "
                    + up.timeline());
        }
        Lsn s = switchPoint.get();
        boolean shutdownRecordMissing = control.state() == PgControl.DbState.SHUT_DOWN
                && control.checkpoint().compareTo(s) >= 0;
        boolean checkpointPast = control.state() != PgControl.DbState.SHUT_DOWN && control.checkpoint().isAfter(s);
        boolean replayedPast = control.minRecoveryPoint().isAfter(s);
        if (shutdownRecordMissing || checkpointPast || replayedPast) {
            return Optional.of("WAL on timeline " + tli + " ends at " + end + " (checkpoint " + control.checkpoint()
                    + "), at or past " + s + " where the upstream left timeline " + tli);
        }
        return Optional.empty();
    }

    private PgControl ensureCleanShutdown(Duration timeout) {
        var data = self.requireDataDir();
        PgControl control = PgControl.read(data);
        if (control.cleanlyShutDown()) {
            return control;
        }
        LOG.info("PostgreSQL {} did not stop cleanly ({}); running crash recovery in single-user mode",
                self.describe(), control.state());
        self.commands().runOrThrow(timeout, Map.of(), "postgres",
                List.of("--single", "-F", "-D", data.toString(), "-c", "archive_mode=off", "template1"));
        control = PgControl.read(data);
        if (!control.cleanlyShutDown()) {
            throw new PostgresException("PostgreSQL " + self.describe()
                    + " is still not cleanly shut down after single-user crash recovery: " + control.state());
        }
        return control;
    }

    private static UpstreamHistory readUpstream(PostgresInstance upstream) {
        return upstream.withConnection("read timeline history", c -> {
            try (Statement s = c.createStatement()) {
                long sysid;
                int timeline;
                Lsn current;
                try (ResultSet rs = s.executeQuery("SELECT (SELECT system_identifier FROM pg_control_system()), "
                        + "pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN NULL ELSE "
                        + "pg_current_wal_lsn()::text END, CASE WHEN pg_is_in_recovery() THEN NULL ELSE "
                        + "substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END")) {
                    rs.next();
                    if (rs.getBoolean(2)) {
                        throw new PostgresException("upstream " + upstream.describe()
                                + " is a standby; rejoin needs a primary as upstream");
                    }
                    sysid = rs.getLong(1);
                    current = Lsn.parse(rs.getString(3));
                    timeline = Integer.parseInt(rs.getString(4), 16);
                }
                String text = "";
                if (timeline > 1) {
                    String file = String.format("pg_wal/%08X.history", timeline);
                    try (var ps = c.prepareStatement("SELECT pg_read_file(?)")) {
                        ps.setString(1, file);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            text = rs.getString(1);
                        }
                    }
                }
                return new UpstreamHistory(sysid, timeline, current, TimelineHistory.parse(timeline, text));
            }
        });
    }

    private Result rewindOrReclone(PostgresInstance upstream, Duration timeout, String divergence) {
        var data = self.requireDataDir();
        var own = StandbyConfig.saveOwnFiles(data);
        PostgresConfig up = upstream.config();
        String source = "host=" + Identifiers.quoteConninfoValue(up.host()) + " port=" + up.port() + " user="
                + Identifiers.quoteConninfoValue(self.config().superuser().user()) + " dbname="
                + Identifiers.quoteConninfoValue(up.database()) + " connect_timeout=5";
        // pg_rewind reads the source's timeline from its control file, which a just-promoted server
        // updates only at its next checkpoint; without one it would answer "no rewind required"
        upstream.execute("CHECKPOINT");
        PgCommands.Result r = self.commands().run(timeout, self.programEnv(), "pg_rewind",
                List.of("-D", data.toString(), "--source-server=" + source));
        StandbyConfig.restoreOwnFiles(self, data, own);
        if (r.exitCode() == 0) {
            return new Result(Outcome.REWOUND, divergence);
        }
        LOG.warn("pg_rewind of {} from {} failed (exit {}): {}", self.describe(), upstream.describe(), r.exitCode(),
                r.output().strip());
        return reclone(upstream, timeout, divergence + "; rewind impossible: pg_rewind exited " + r.exitCode()
                + ": " + lastLine(r.output()));
    }

    private Result reclone(PostgresInstance upstream, Duration timeout, String reason) {
        Cloner.Method method = self.cloneFrom(upstream, timeout);
        return new Result(Outcome.RECLONED, reason + " (cloned with " + method + ")");
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
