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

        assertThat(result.rejection().term()).isEqualTo(1);
        assertThat(result.rejection().highestSeen()).isEqualTo(2);
        assertThat(result.staleWritesAccepted()).isZero();
        assertThat(result.finalTerm()).isEqualTo(2);
        assertThat(result.finalData()).containsEntry("owner", "op-b").containsEntry("term", "2");
        assertThat(buffer.toString(StandardCharsets.UTF_8))
                .contains("op-a: rejected: write to ConfigMap default/desired-state with term 1 rejected: term 2");
    }
}
