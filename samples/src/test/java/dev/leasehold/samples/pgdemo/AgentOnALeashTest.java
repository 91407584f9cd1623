package dev.leasehold.samples.pgdemo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.postgres.agent.WriteProbe;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The agent's promises with the agent itself paused or dead, faults injected from outside: three real PostgreSQL
 * servers, three agent processes ({@code AgentMain}, each with its guard), the mock API server, and the test's own
 * writer that records which server acknowledged each id and when ({@link WriteProbe}, one writer per server). Timings 5/3/1 s, fence
 * timeout 500 ms (the demo's). In order: the primary's agent paused beyond the lease and resumed; pauses of
 * renewDeadline and of leaseDuration − retryPeriod; the primary's agent killed alone (kill -9, its server left
 * running) and restarted; in synchronous mode a standby's agent paused past the lease, and one killed; last the
 * primary's agent killed alone and left dead.
 *
 * <p>Asserted over the whole run: no server acknowledged a write after another server's first acknowledged write
 * as primary (split brain 0), in synchronous mode no acknowledged write is missing from the final primary, and
 * after every fault the cluster settles by itself to one primary with the other live members streaming from it.
 */
class AgentOnALeashTest {
    static final Duration SETTLE = Duration.ofSeconds(120);
    static final Duration LEASE = PgDemo.LEASE;

    @Test
    void asynchronousPromisesHoldWithTheAgentPausedOrKilled() {
        run(false);
    }

    @Test
    void synchronousModeLosesNoAcknowledgedCommitWithAnAgentPausedOrKilled() {
        run(true);
    }

    private static void run(boolean synchronous) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<String> options = new ArrayList<>(List.of("--short", "--members=3"));
        if (synchronous) {
            options.add("--synchronous");
        }
        DemoWorld world = new DemoWorld(DemoOptions.parse(options.toArray(String[]::new)), out);
        WriteProbe acks = null;
        boolean passed = false;
        try {
            world.start();
            world.startAgents();
            String p = settled(world, Set.of());
            acks = new WriteProbe(world.pg(), world.instance(p));
            awaitWritesOn(acks, p);

            // 1. the primary's agent paused beyond the lease: another member takes over; resumed, it follows
            world.signalAgent(p, "STOP");
            String q = awaitOtherPrimary(world, p);
            pause(LEASE); // the old agent stays frozen well after the takeover
            world.signalAgent(p, "CONT");
            p = settled(world, Set.of());
            assertThat(p).isEqualTo(q);
            awaitWritesOn(acks, p);

            // 2. pauses around the renew deadline and leaseDuration - retryPeriod, then resumed
            for (Duration d : List.of(PgDemo.RENEW, LEASE.minus(PgDemo.RETRY), PgDemo.RENEW.plusMillis(500))) {
                world.signalAgent(p, "STOP");
                pause(d);
                world.signalAgent(p, "CONT");
                p = settled(world, Set.of());
                awaitWritesOn(acks, p);
            }

            // 3. the primary's agent killed alone, its server left running; restarted after the takeover
            world.signalAgent(p, "KILL");
            q = awaitOtherPrimary(world, p);
            world.restartAgent(p);
            p = settled(world, Set.of());
            awaitWritesOn(acks, p);

            if (synchronous) {
                // 4. a standby's agent paused past the lease, then resumed; another killed and restarted
                String standby = other(world, p);
                world.signalAgent(standby, "STOP");
                pause(LEASE.plus(PgDemo.RENEW));
                world.signalAgent(standby, "CONT");
                p = settled(world, Set.of());
                awaitWritesOn(acks, p);
                standby = other(world, p);
                world.signalAgent(standby, "KILL");
                pause(PgDemo.RENEW);
                world.restartAgent(standby);
                p = settled(world, Set.of());
                awaitWritesOn(acks, p);
            }

            // 5. the primary's agent killed alone and left dead: the others settle without it
            String dead = p;
            world.signalAgent(dead, "KILL");
            awaitOtherPrimary(world, dead);
            p = settled(world, Set.of(dead));
            awaitWritesOn(acks, p);
            acks.close();

            out.println("leash test (" + (synchronous ? "sync" : "async") + "): " + acks.acks().size()
                    + " acknowledged writes, split brain " + acks.overlapNanos() / 1_000_000 + " ms");
            assertThat(acks.overlaps()).as("two servers acknowledging writes at once").isEmpty();
            if (synchronous) {
                assertThat(lost(acks, world, p)).as("acknowledged writes missing from the final primary " + p)
                        .isEmpty();
            }
            passed = true;
        } finally {
            if (!passed && world.dir() != null) {
                dumpAgentLogs(world, out);
            }
            if (acks != null) {
                acks.close();
            }
            for (String m : world.members() == null ? List.<String>of() : world.members().names()) {
                try {
                    world.signalAgent(m, "CONT");
                } catch (RuntimeException e) {
                    // not running: nothing to resume
                }
            }
            world.close();
        }
    }

    /** The end of each agent's log, so that a failure says what the agents decided. */
    static void dumpAgentLogs(DemoWorld world, PrintStream out) {
        try (var files = java.nio.file.Files.list(world.dir())) {
            for (java.nio.file.Path f : files.filter(f -> f.getFileName().toString().startsWith("agent-")).sorted()
                    .toList()) {
                List<String> lines = java.nio.file.Files.readAllLines(f, StandardCharsets.UTF_8);
                out.println("---- " + f.getFileName() + " (last 80 lines)");
                lines.subList(Math.max(0, lines.size() - 80), lines.size()).forEach(out::println);
            }
        } catch (java.io.IOException | RuntimeException e) {
            out.println("cannot read the agents' logs: " + e);
        }
    }

    static String settled(DemoWorld world, Set<String> dead) {
        return world.awaitSettled(dead, SETTLE);
    }

    static String awaitOtherPrimary(DemoWorld world, String old) {
        String[] found = new String[1];
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> {
            Optional<String> p = world.members().poll().stream().filter(Members.View::writablePrimary)
                    .map(Members.View::member).filter(m -> !m.equals(old)).findFirst();
            p.ifPresent(m -> found[0] = m);
            return p.isPresent();
        });
        return found[0];
    }

    static void awaitWritesOn(WriteProbe acks, String server) {
        long since = System.nanoTime();
        await().atMost(SETTLE).until(() -> acks.acksBy(server).stream().filter(a -> a.sentNanos() - since > 0)
                .count() > 20);
    }

    /** The acknowledged ids that {@code member}'s server does not hold. */
    static Set<Long> lost(WriteProbe acks, DemoWorld world, String member) {
        Set<Long> held = WriteProbe.rowsOn(world.instance(member));
        Set<Long> missing = new java.util.TreeSet<>();
        acks.acks().stream().map(WriteProbe.Ack::id).filter(id -> !held.contains(id)).forEach(missing::add);
        return missing;
    }

    static String other(DemoWorld world, String primary) {
        return world.members().names().stream().filter(m -> !m.equals(primary)).findFirst().orElseThrow();
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
