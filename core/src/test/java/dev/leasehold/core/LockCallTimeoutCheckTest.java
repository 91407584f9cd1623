package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.spi.MultiLock;
import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.core.testing.ForwardingLock;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * One source of truth for call timeouts: the elector abandons a call at its own timeout, so a lock that lets its
 * calls run longer keeps abandoned calls running. The builder rejects that, naming both values and the fix.
 */
class LockCallTimeoutCheckTest {

    private static ResourceLock lockWithTimeout(String identity, Duration timeout) {
        return new ForwardingLock(new InMemoryLock(new InMemoryLockStore("timeouts"), identity)) {
            @Override
            public Optional<Duration> callTimeout() {
                return Optional.of(timeout);
            }
        };
    }

    @Test
    void aLockCallTimeoutAboveTheElectorsIsRejectedNamingBothValuesAndTheFix() {
        // 4/3/1: the elector's call timeout is a third of the renew deadline, 1 s
        assertThatThrownBy(() -> LeaderElector.builder().lock(lockWithTimeout("me", Duration.ofSeconds(2)))
                .leaseDuration(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(3))
                .retryPeriod(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("callTimeout = PT1S")
                .hasMessageContaining("(PT2S)")
                .hasMessageContaining("Set the lock's callTimeout to at most PT1S")
                .hasMessageContaining("raise the elector's callTimeout");
    }

    @Test
    void aLockCallTimeoutUpToTheElectorsIsAccepted() {
        assertThat(LeaderElector.builder().lock(lockWithTimeout("me", Duration.ofSeconds(1)))
                .leaseDuration(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(3))
                .retryPeriod(Duration.ofSeconds(1)).build().config().callTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(LeaderElector.builder().lock(lockWithTimeout("me", Duration.ofSeconds(2)))
                .callTimeout(Duration.ofSeconds(2)).build().config().callTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(LeaderElector.builder().lock(new InMemoryLock(new InMemoryLockStore("none"), "me")).build())
                .isNotNull();
    }

    @Test
    void aMultiLockReportsTheLongerOfItsLocksTimeouts() {
        MultiLock multi = MultiLock.of(lockWithTimeout("me", Duration.ofMillis(500)),
                lockWithTimeout("me", Duration.ofSeconds(2)));
        assertThat(multi.callTimeout()).contains(Duration.ofSeconds(2));
        assertThatThrownBy(() -> LeaderElector.builder().lock(multi).leaseDuration(Duration.ofSeconds(4))
                .renewDeadline(Duration.ofSeconds(3)).retryPeriod(Duration.ofSeconds(1)).build())
                .hasMessageContaining("(PT2S)");
    }
}
