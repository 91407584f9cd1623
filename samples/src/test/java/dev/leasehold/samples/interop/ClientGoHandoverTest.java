package dev.leasehold.samples.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leasehold.samples.MockApiServer;
import dev.leasehold.samples.bench.Timing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The handover between Leasehold's Lease lock and client-go's own {@code tools/leaderelection}, both ways, with the
 * Go program of {@code samples/interop/client-go} as a child process. It needs that program built (a Go toolchain),
 * named by {@code -Dleasehold.clientgo.elector=PATH}; without it the handover test is skipped (CI has no Go).
 */
class ClientGoHandoverTest {

    /** A lease long against the retry period, so that waiting out a lease cannot pass for a handover. */
    private static final Timing TIMING = Timing.parse("15/10/1");

    @Test
    void handsTheLeaseToClientGoAndBackWithoutWaitingOutALease() throws Exception {
        String binary = binary();

        HandoverRun run;
        try (MockApiServer server = MockApiServer.start()) {
            run = ClientGoHandover.run(server.newClient(), server.url(), Path.of(binary), TIMING, 2,
                    Duration.ofMillis(500), Duration.ZERO);
        }

        Duration wellWithinALease = TIMING.leaseDuration().dividedBy(2);
        assertThat(run.handovers()).hasSize(4).allSatisfy(handover -> {
            // each follower had seen the old leader's record just before (so without a release it would wait a
            // whole lease from there); it takes over after a release far sooner
            assertThat(handover.fromStopMillis()).as("%s: stop to started-leading", handover)
                    .isPositive().isLessThan(wellWithinALease.toMillis());
            assertThat(handover.startedAt()).as("%s: started after the release landed", handover)
                    .isGreaterThanOrEqualTo(handover.stopAt());
            assertThat(handover.transitionsRose()).as("%s: Lease names the new leader, transitions + 1", handover)
                    .isTrue();
        });
        List<Handover> toClientGo = run.of(Handover.Direction.LEASEHOLD_TO_CLIENT_GO);
        List<Handover> toLeasehold = run.of(Handover.Direction.CLIENT_GO_TO_LEASEHOLD);
        assertThat(toClientGo).hasSize(2).allSatisfy(handover -> {
            assertThat(handover.releasedBeforeStopReturned()).as("Leasehold releases after stopped-leading").isFalse();
            assertThat(handover.overlapMillis()).as("Leasehold's stopped-leading returned before client-go started")
                    .isNegative();
        });
        // client-go (v0.26) releases before it runs OnStoppedLeading: a Leasehold follower may start while that
        // callback still runs (README, compatibility). If this changes, the README's note must change with it.
        assertThat(toLeasehold).hasSize(2).allSatisfy(handover -> assertThat(handover.releasedBeforeStopReturned())
                .as("client-go released before its OnStoppedLeading returned").isTrue());
        assertThat(toLeasehold.get(1).transitionsAfter()).isEqualTo(toClientGo.get(0).transitionsBefore() + 4);
        assertThat(run.maxLeaseholdLeaders()).as("Leasehold electors leading at once").isEqualTo(1);
        assertThat(run.clientGoErrors()).as("client-go's error lines (it read and wrote every record)").isEmpty();
    }

    @Test
    void aReleaseTakeoverDelayLongerThanClientGosStopKeepsTheTwoLeadersWorkApart() throws Exception {
        String binary = binary();

        HandoverRun run;
        try (MockApiServer server = MockApiServer.start()) {
            run = ClientGoHandover.run(server.newClient(), server.url(), Path.of(binary), TIMING, 1,
                    Duration.ofMillis(500), Duration.ofMillis(1500));
        }

        assertThat(run.of(Handover.Direction.CLIENT_GO_TO_LEASEHOLD)).singleElement().satisfies(handover -> {
            assertThat(handover.releasedBeforeStopReturned()).isTrue();
            assertThat(handover.overlapMillis()).as("client-go's OnStoppedLeading returned before Leasehold started")
                    .isNegative();
            assertThat(handover.transitionsRose()).isTrue();
        });
        assertThat(run.maxLeaders()).as("leaders at once, by both sides' callbacks").isEqualTo(1);
    }

    private static String binary() {
        String binary = System.getProperty(ClientGoHandover.BINARY_PROPERTY);
        assumeTrue(binary != null && !binary.isBlank(), "no client-go elector binary: build samples/interop/client-go"
                + " (see its README) and run with -D" + ClientGoHandover.BINARY_PROPERTY + "=PATH to test the"
                + " handover with client-go");
        return binary;
    }

    @Test
    void parsesTheElectorsEventLines() {
        assertThat(ClientGoEvent.parse("EVENT new-leader id=go-1 t_ms=1764500000123 leader=leasehold-0"))
                .contains(new ClientGoEvent("new-leader", "go-1", 1764500000123L, Map.of("leader", "leasehold-0")));
        assertThat(ClientGoEvent.parse("I1130 10:00:00.000 leaderelection.go:248] attempting to acquire")).isEmpty();
        assertThatThrownBy(() -> ClientGoEvent.parse("EVENT released id=go-1 t_ms=soon"))
                .hasMessageContaining("t_ms").hasMessageContaining("EVENT released id=go-1 t_ms=soon");
    }

    @Test
    void rejectsABinaryThatIsNotThereNamingIt() {
        Path missing = Path.of("/nonexistent/clientgo-elector");
        assertThatThrownBy(() -> ClientGoElector.start(missing, "http://127.0.0.1:1", "x", "go-1", TIMING,
                Duration.ZERO, event -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("samples/interop/client-go");
    }
}
