package dev.leasehold.samples.pgdemo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the PostgreSQL HA demo headless in its short mode, in this JVM, and checks its summary and that it leaves
 * nothing behind. The agents' requests to the mock API server it records are checked against the manifests' Role
 * by {@link PostgresManifestsTest}.
 */
public class PgDemoTest {
    static DemoSummary summary;
    static String output;
    static final List<Integer> PORTS = new ArrayList<>();
    static final List<Long> AGENT_PIDS = new ArrayList<>();
    static final List<io.fabric8.mockwebserver.http.RecordedRequest> AGENT_REQUESTS = new ArrayList<>();
    static Path dir;

    @BeforeAll
    static synchronized void runTheDemoOnce() {
        if (summary != null) {
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            summary = PgDemo.run(DemoOptions.parse("--short", "--chart=target/pgdemo-test-timeline.png"), out, w -> {
                PORTS.addAll(w.ports());
                AGENT_PIDS.addAll(w.agentPids());
                dir = w.dir();
                w.takeRequests().stream().filter(r -> !"leasehold-pgdemo".equals(r.getHeader("User-Agent")))
                        .forEach(AGENT_REQUESTS::add);
            });
        }
        output = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(output);
    }

    /** The requests the demo's agents sent to the mock API server (the demo runs once per JVM). */
    public static List<io.fabric8.mockwebserver.http.RecordedRequest> agentRequests() {
        runTheDemoOnce();
        return List.copyOf(AGENT_REQUESTS);
    }

    @Test
    void theDemoFailsOverRejoinsAndSummarises() {
        assertThat(summary.newPrimary()).isNotEqualTo(summary.killed());
        assertThat(summary.rto()).isPositive();
        // rewound or re-cloned when it diverged; with Maven's binaries (no pg_rewind, no pg_basebackup) by a local
        // copy: the demo's agents know each other's data directories
        assertThat(summary.rejoin()).isPresent();
        assertThat(summary.rejoin().get()).isPositive();
        assertThat(output).contains(summary.killed() + " rejoined as a replica of " + summary.newPrimary());
        assertThat(summary.acknowledged()).isPositive();
        // asynchronous replication, as the summary states: only what the killed primary acknowledged and the new
        // one had not received may be lost; nothing any later primary acknowledged
        assertThat(summary.synchronous()).isFalse();
        assertThat(output).contains("asynchronous replication: at most what the new primary had not received");
        if (summary.lost() > 0) {
            assertThat(summary.lostFrom()).containsExactly(summary.killed());
        }
        assertThat(output).contains("writes lost: " + summary.lost() + " of " + summary.acknowledged());
        assertThat(output).contains("summary", "failover:", "RTO", "over lease:", "rejoin:", "switchover:",
                "writes lost:", "failover: " + summary.newPrimary() + " acknowledged its first write",
                "Kubernetes API: embedded fabric8 KubernetesMockServer", "PostgreSQL: ");
        assertThat(summary.chart()).exists().isNotEmptyFile();
        if (summary.switchover().isEmpty()) {
            assertThat(summary.switchoverNote()).isEqualTo("not available in this build");
        }
    }

    @Test
    void theDemoLeavesNoProcessPortOrDirectoryBehind() {
        assertThat(AGENT_PIDS).isNotEmpty();
        assertNothingLeft(AGENT_PIDS, PORTS, dir);
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(p -> p.info()
                .commandLine().orElse("?")).filter(c -> c.contains("AgentMain") || c.contains("postgres")).toList())
                .as("child processes of this JVM").isEmpty();
    }

    static void assertNothingLeft(List<Long> pids, List<Integer> ports, Path dir) {
        // a postmaster is not the demo's descendant (pg_ctl detaches it): give a fast shutdown its moment
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> ports.stream().noneMatch(PgDemoTest::listening));
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false)).as("process %d alive", pid).isFalse());
        assertThat(ports).isNotEmpty().allSatisfy(port -> assertThat(listening(port)).as("port %d listening", port)
                .isFalse());
        assertThat(dir).isNotNull();
        assertThat(Files.exists(dir)).as("%s exists", dir).isFalse();
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
