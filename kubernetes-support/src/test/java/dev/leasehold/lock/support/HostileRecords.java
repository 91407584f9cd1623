package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.spi.ResourceLock;
import java.time.Duration;

/**
 * Checks an elector against a record someone else planted: it must not take the lock over before
 * {@code notBefore} has passed since it first saw the record, must stay alive (following, healthy) meanwhile, and,
 * where a takeover is due, take over after that.
 */
public final class HostileRecords {

    private HostileRecords() {
    }

    /**
     * @param lock the lock to start an elector on, with the fleet's timings ({@link Fleet})
     * @param notBefore the least time before a takeover may happen
     * @param takeoverDue whether the lock is to be taken over after {@code notBefore}; if not, the elector is
     *     watched for {@code notBefore} and must still be following then
     */
    public static void check(ResourceLock lock, Duration notBefore, boolean takeoverDue) {
        long first = System.nanoTime();
        try (LeaderElector elector = LeaderElector.builder().lock(lock).leaseDuration(Fleet.LEASE)
                .renewDeadline(Fleet.RENEW_DEADLINE).retryPeriod(Fleet.RETRY).build()) {
            elector.start();
            long until = first + notBefore.toNanos();
            while (System.nanoTime() < until - Duration.ofMillis(100).toNanos()) {
                assertThat(elector.isLeader()).as("%s led %d ms after it first saw the record, before %s",
                        lock.identity(), (System.nanoTime() - first) / 1_000_000, notBefore).isFalse();
                sleep(20);
            }
            assertThat(elector.state()).as("the elector is still running").isNotEqualTo(ElectorState.STOPPED);
            if (takeoverDue) {
                await().atMost(Duration.ofSeconds(10)).until(elector::isLeader);
            } else {
                assertThat(elector.state()).isEqualTo(ElectorState.FOLLOWING);
                assertThat(elector.health().healthy()).as("health: %s", elector.health()).isTrue();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
