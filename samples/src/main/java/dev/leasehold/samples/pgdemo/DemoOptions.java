package dev.leasehold.samples.pgdemo;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The demo's command line.
 *
 * @param members number of PostgreSQL members (2 to 5)
 * @param synchronous run the agents in synchronous mode ({@code LEASEHOLD_SYNCHRONOUS_MODE=true})
 * @param keepRunning after the summary, keep everything running until Ctrl-C
 * @param shortRun shorter quiet phases (for tests)
 * @param realKubernetes use the cluster fabric8's usual configuration finds (kubeconfig, in-cluster) instead of an
 *     embedded mock API server
 * @param chart where the timeline chart goes
 * @param help print the usage and stop
 */
public record DemoOptions(int members, boolean synchronous, boolean keepRunning, boolean shortRun, boolean realKubernetes,
        Path chart, boolean help) {

    static final String USAGE = """
            usage: PgDemo [--members=N] [--synchronous] [--keep-running] [--short] [--kubernetes=mock|real]
                          [--chart=FILE] [--help]
              --members=N         PostgreSQL members, 2..5 (default 3)
              --synchronous       the agents' synchronous mode (LEASEHOLD_SYNCHRONOUS_MODE=true)
              --keep-running      after the summary keep the cluster up until Ctrl-C, and say how to reach it
              --short             shorter quiet phases (the test uses it)
              --kubernetes=real   the cluster of your kubeconfig (or in-cluster config) instead of the embedded
                                  mock API server (namespace from the config; creates pods pg-N as records)
              --chart=FILE        the timeline chart (default pgdemo-timeline.png)
            """;

    /**
     * Reads the command line.
     *
     * @throws IllegalArgumentException naming the option and the value when one is unknown or out of range
     */
    public static DemoOptions parse(String... args) {
        int members = 3;
        boolean sync = false;
        boolean keep = false;
        boolean shortRun = false;
        boolean real = false;
        boolean help = false;
        Path chart = Path.of("pgdemo-timeline.png");
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
            } else if (a.equals("--synchronous")) {
                sync = true;
            } else if (a.equals("--keep-running")) {
                keep = true;
            } else if (a.equals("--short")) {
                shortRun = true;
            } else if (a.equals("--kubernetes=real") || a.equals("--kubernetes=mock")) {
                real = a.endsWith("real");
            } else if (a.startsWith("--members=")) {
                String v = a.substring("--members=".length());
                try {
                    members = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    members = -1;
                }
                if (members < 2 || members > 5) {
                    throw new IllegalArgumentException("--members = " + v + " must be a whole number from 2 to 5");
                }
            } else if (a.startsWith("--chart=") && a.length() > "--chart=".length()) {
                chart = Path.of(a.substring("--chart=".length()));
            } else if (a.equals("--members") || a.equals("--chart") || a.equals("--kubernetes")) {
                throw new IllegalArgumentException(a + " takes its value after '=', e.g. " + a
                        + (a.equals("--members") ? "=5" : a.equals("--chart") ? "=chart.png" : "=real") + "\n" + USAGE);
            } else {
                throw new IllegalArgumentException("unknown option '" + a + "'\n" + USAGE);
            }
        }
        return new DemoOptions(members, sync, keep, shortRun, real, chart, help);
    }

    /** How long each quiet phase (before the kill, after the rejoin, after the switchover) lasts. */
    Duration quiet() {
        return shortRun ? Duration.ofSeconds(2) : Duration.ofSeconds(8);
    }
}
