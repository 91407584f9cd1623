package dev.leasehold.core.internal;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.internal.LockCalls.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the election loop may send its next lock call: at once after an answer; after a run of failures with a
 * growing, jittered backoff that honours a server's Retry-After hint as far as a leader's renew deadline allows
 * ({@link Delays}); after a step-down at once, or with that backoff while calls were failing; after a resignation
 * with the backoff asked for. A leader's next renew is due a retry period after the start of its last successful
 * renew (or acquisition). Used under the election loop's mutex.
 */
final class Pacing {

    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private final ElectionScheduler clock;
    private final Delays delays;
    private final long retryNanos;
    private final String name;
    private int failures;
    private long nextCallAtNanos;
    private long renewDueNanos;

    Pacing(ElectionScheduler clock, Delays delays, long retryNanos, String name) {
        this.clock = clock;
        this.delays = delays;
        this.retryNanos = retryNanos;
        this.name = name;
    }

    /** The earliest instant the next lock call may go out. */
    long nextCallAtNanos() {
        return nextCallAtNanos;
    }

    /** No call before {@code nanos} from now. */
    void backOff(long nanos) {
        nextCallAtNanos = clock.nanoTime() + nanos;
    }

    /** A call was answered: the run of failures is over and the next call may go out at once. */
    void answered() {
        failures = 0;
        nextCallAtNanos = clock.nanoTime();
    }

    /**
     * A {@code kind} call failed with {@code cause}; {@code leading} is the term a leader (or a draining one) has,
     * null for a follower: its renew deadline caps how long a Retry-After hint is honoured.
     */
    void failed(Kind kind, Throwable cause, Term leading) {
        failures++;
        if (failures == 2) {
            log.warn("{}: lock calls keep failing ({} in a row), retrying with backoff: {}", name, failures,
                    cause.toString());
        } else {
            log.debug("{}: {} failed {} times in a row: {}", name, kind, failures, cause.toString());
        }
        long now = clock.nanoTime();
        nextCallAtNanos = now + delays.afterFailureNanos(failures, cause,
                leading != null ? leading.validUntilNanos() - now : null);
    }

    /** A step of the loop threw: it counts as a failure. */
    void stepFailed() {
        failures++;
    }

    /** The leader stepped down: it competes again at once, or after the backoff of its failures. */
    void steppedDown() {
        nextCallAtNanos = clock.nanoTime() + (failures > 0 ? delays.backoffNanos(failures) : 0L);
    }

    /** A leader's next renew is due a retry period after {@code startNanos}. */
    void renewAfter(long startNanos) {
        renewDueNanos = startNanos + retryNanos;
    }

    /** A leader renews at once (its record changed version under it). */
    void renewNow() {
        renewDueNanos = clock.nanoTime();
    }

    long renewDueNanos() {
        return renewDueNanos;
    }
}
