package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.core.spi.ResourceLock;
import dev.leasehold.core.testing.ForwardingLock;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.InMemoryLockStore;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class LeaderElectorBuilderTest {

    private static final InMemoryLockStore STORE = new InMemoryLockStore("config");

    private static LeaderElectorBuilder valid() {
        return LeaderElector.builder().lock(new InMemoryLock(STORE, "me"));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                rule("no lock", b -> b.lock(null), "lock is required"),
                rule("identity equal to MultiLock's unknown-holder marker",
                        b -> b.lock(new InMemoryLock(STORE, "leaderelection.k8s.io/unknown")),
                        "identity = leaderelection.k8s.io/unknown is reserved"),
                rule("zero drain timeout", b -> b.closeDrainTimeout(Duration.ZERO),
                        "closeDrainTimeout = PT0S must be positive"),
                rule("negative watch recheck", b -> b.watchRecheck(Duration.ofSeconds(-2)),
                        "watchRecheck = PT-2S must be positive"),
                rule("blank identity", b -> b.lock(new InMemoryLock(STORE, "  ")), "identity =    must not be blank"),
                rule("zero lease", b -> b.leaseDuration(Duration.ZERO), "leaseDuration = PT0S must be positive"),
                rule("negative renew deadline", b -> b.renewDeadline(Duration.ofSeconds(-1)),
                        "renewDeadline = PT-1S must be positive"),
                rule("null retry period", b -> b.retryPeriod(null), "retryPeriod is required"),
                rule("renew deadline equal to lease", b -> b.renewDeadline(Duration.ofSeconds(15)),
                        "renewDeadline = PT15S must be below leaseDuration (PT15S)"),
                rule("retry period not below renew deadline", b -> b.retryPeriod(Duration.ofSeconds(10)),
                        "retryPeriod = PT10S must be below renewDeadline (PT10S)"),
                rule("no drift margin", b -> b.leaseDuration(Duration.ofSeconds(10)).renewDeadline(
                        Duration.ofMillis(9900)), "renewDeadline = PT9.9S leaves no margin for a clock drift of 0.01"),
                rule("drift out of range", b -> b.maxClockDrift(0.6), "maxClockDrift = 0.6 must be in [0, 0.5)"),
                rule("jitter out of range", b -> b.jitter(1.5), "jitter = 1.5 must be in [0, 1]"),
                rule("call timeout not below renew deadline", b -> b.callTimeout(Duration.ofSeconds(10)),
                        "callTimeout = PT10S must be below renewDeadline (PT10S)"),
                rule("zero call timeout", b -> b.callTimeout(Duration.ZERO), "callTimeout = PT0S must be positive"),
                rule("truncated lease", b -> b.lock(wholeSeconds()).leaseDuration(Duration.ofMillis(15500)),
                        "leaseDuration = PT15.5S must be a whole multiple of PT1S"),
                rule("null callback", b -> b.onStoppedLeading(null), "onStoppedLeading must not be null"));
    }

    private static Arguments rule(String name, UnaryOperator<LeaderElectorBuilder> change, String message) {
        return Arguments.of(name, change, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void buildRejectsNamingParameterAndValue(String name, UnaryOperator<LeaderElectorBuilder> change, String message) {
        assertThatThrownBy(() -> change.apply(valid()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void defaultsFollowClientGo() {
        ElectionConfig config = valid().build().config();
        assertThat(config.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.callTimeout()).isLessThan(config.renewDeadline());
        assertThat(config.releaseOnClose()).isTrue();
        assertThat(config.identity()).isEqualTo("me");
    }

    @Test
    void wholeSecondLockAcceptsWholeSeconds() {
        assertThat(valid().lock(wholeSeconds()).leaseDuration(Duration.ofSeconds(4))
                .renewDeadline(Duration.ofSeconds(3)).retryPeriod(Duration.ofSeconds(1)).build().config()
                .leaseDuration()).isEqualTo(Duration.ofSeconds(4));
    }

    private static ResourceLock wholeSeconds() {
        return ForwardingLock.wholeSeconds(new InMemoryLock(STORE, "me"));
    }
}
