package dev.leasehold.postgres;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a server so that it accepts no more writes, within a bound. See
 * {@link PostgresInstance#fence(Duration)} for the method and why it was chosen.
 */
public final class Fence {
    private static final Logger LOG = LoggerFactory.getLogger(Fence.class);
    private static final Duration POLL = Duration.ofMillis(20);

    /** How the server was stopped. */
    public enum Result {
        /** No postmaster was running. */
        ALREADY_STOPPED,
        /** Fast shutdown finished within the deadline (clean: shutdown checkpoint written). */
        STOPPED_FAST,
        /** Fast shutdown overran the deadline; immediate shutdown stopped it (crash recovery on next start). */
        STOPPED_IMMEDIATE,
        /** Even immediate shutdown overran; the postmaster and its children were killed. */
        KILLED
    }

    private final PostgresInstance instance;

    Fence(PostgresInstance instance) {
        this.instance = instance;
    }

    Result run(Duration fastDeadline) {
        if (fastDeadline == null || fastDeadline.isNegative() || fastDeadline.isZero()) {
            throw new IllegalArgumentException("fence deadline " + fastDeadline + " must be a positive duration");
        }
        var data = instance.requireDataDir();
        Optional<ProcessHandle> postmaster = Postmaster.pid(data);
        if (postmaster.isEmpty()) {
            return Result.ALREADY_STOPPED;
        }
        signal("fast");
        if (waitForExit(postmaster.get(), fastDeadline)) {
            LOG.info("PostgreSQL {} fenced: stopped with fast shutdown", instance.describe());
            return Result.STOPPED_FAST;
        }
        signal("immediate");
        if (waitForExit(postmaster.get(), fastDeadline)) {
            LOG.info("PostgreSQL {} fenced: fast shutdown overran {}, stopped with immediate shutdown",
                    instance.describe(), fastDeadline);
            return Result.STOPPED_IMMEDIATE;
        }
        Postmaster.kill(postmaster.get());
        waitForExit(postmaster.get(), Duration.ofSeconds(5));
        LOG.info("PostgreSQL {} fenced: shutdown overran twice {}, postmaster killed", instance.describe(),
                fastDeadline);
        return Result.KILLED;
    }

    private void signal(String mode) {
        // -W: send the signal and return; we wait ourselves, against our own deadline
        PgCommands.Result r = instance.commands().run(Duration.ofSeconds(10), Map.of(), "pg_ctl",
                List.of("stop", "-D", instance.requireDataDir().toString(), "-m", mode, "-W"));
        if (r.exitCode() != 0) {
            LOG.debug("pg_ctl stop -m {} on {} exited {}: {}", mode, instance.describe(), r.exitCode(), r.output());
        }
    }

    static boolean waitForExit(ProcessHandle process, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (Postmaster.alive(process)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted while waiting for " + process.pid() + " to exit", e);
            }
        }
        return true;
    }
}
