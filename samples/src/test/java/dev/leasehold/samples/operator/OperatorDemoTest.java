package dev.leasehold.samples.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OperatorDemoTest {

    @Test
    void theLeaderPausedPastItsTermHasItsWriteRejectedAndTheSuccessorsDataStands() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        OperatorDemo.Result result = OperatorDemo.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));

        // terms are 1 and 2 unless a loaded machine made a leader miss a renew deadline and take the Lease again
        long stale = result.rejection().term();
        long newer = result.rejection().highestSeen();
        assertThat(stale).isLessThan(newer);
        assertThat(result.staleWritesAccepted()).isZero();
        assertThat(result.finalTerm()).isEqualTo(newer);
        assertThat(result.finalData()).containsEntry("owner", "op-b").containsEntry("term", Long.toString(newer));
        assertThat(buffer.toString(StandardCharsets.UTF_8))
                .contains("op-a: rejected: write to ConfigMap default/desired-state with term " + stale
                        + " rejected: term " + newer + " has already written to it");
    }
}
