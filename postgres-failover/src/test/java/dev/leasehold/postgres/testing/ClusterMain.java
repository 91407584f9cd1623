package dev.leasehold.postgres.testing;

import dev.leasehold.postgres.Postmaster;

/**
 * Starts a 1-member test cluster in its own JVM and prints {@code BASE <dir>} and {@code PID <pid>}.
 * With argument {@code exit} it then returns (the JVM exits, the shutdown hook must stop the
 * server); with {@code hang} it waits to be killed (the next run's orphan sweep must stop it).
 * Used by {@link HarnessTest}.
 */
public final class ClusterMain {
    private ClusterMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        PostgresCluster cluster = PostgresCluster.start(1);
        System.out.println("BASE " + cluster.baseDir());
        System.out.println("PID " + Postmaster.pid(cluster.member(0).config().dataDir().orElseThrow())
                .orElseThrow().pid());
        System.out.flush();
        if (args.length > 0 && args[0].equals("hang")) {
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
