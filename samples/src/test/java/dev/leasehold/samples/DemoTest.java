package dev.leasehold.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DemoTest {

    @Test
    void handsOverTakesOverAfterACrashAndNeverHasTwoLeaders() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DemoResult result;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            result = Demo.run(out);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);

        // the graceful handover went to another pod, and the crash's takeover to the third
        assertThat(result.handoverTo()).isNotEqualTo(result.firstLeader());
        assertThat(result.crashed()).isEqualTo(result.handoverTo());
        assertThat(result.takeoverBy()).isNotIn(result.firstLeader(), result.crashed());
        // nobody took over a crashed leader's Lease before it expired
        assertThat(result.beyondLeaseExpiry().isNegative()).as("took over before the lease expired: %s", result.beyondLeaseExpiry()).isFalse();
        assertThat(result.maxLeadersAtOnce()).isEqualTo(1);

        assertThat(printed)
                .contains(result.firstLeader() + ": started leading (term 1)")
                .contains(result.handoverTo() + ": started leading")
                .contains(result.takeoverBy() + ": started leading")
                .contains(result.firstLeader() + ": stopped leading")
                .contains("handover took")
                .contains("after the dead leader's lease expired");
    }
}
