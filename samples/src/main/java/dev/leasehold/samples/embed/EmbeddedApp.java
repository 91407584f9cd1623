package dev.leasehold.samples.embed;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.lease.LeaseLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Leader election embedded in an application's {@code main}: every replica runs this; only the leader runs the
 * scheduled job, which stops when leadership is lost, and SIGTERM (a pod being deleted, a rolling update) steps
 * down gracefully: the job stops, then the Lease is released so another replica takes over at once.
 *
 * <pre>
 * java -cp 'samples/target/leasehold-samples-&lt;version&gt;.jar:samples/target/lib/*' \
 *     dev.leasehold.samples.embed.EmbeddedApp [lease-name] [job-period]
 * </pre>
 * The client comes from fabric8's usual configuration (in-cluster, kubeconfig, {@code KUBERNETES_MASTER}); the
 * identity is {@code $HOSTNAME}, the namespace the client's (else {@code default}).
 */
public final class EmbeddedApp implements AutoCloseable {

    /**
     * Timings of this sample, client-go's defaults: a crashed leader is replaced about 15 s after its last renew;
     * a replica that gets SIGTERM releases, and another takes over at once whatever the timings.
     */
    static final Duration LEASE = Duration.ofSeconds(15);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    static final Duration RETRY = Duration.ofSeconds(2);

    private final LeaderOnlyJob job;
    private final LeaderElector elector;

    private EmbeddedApp(KubernetesClient client, String namespace, String leaseName, String identity,
            Duration period, Consumer<Leadership> work) {
        job = new LeaderOnlyJob(identity, period, RENEW_DEADLINE, work);
        elector = LeaderElector.builder()
                .lock(LeaseLock.builder().client(client).namespace(namespace).name(leaseName).identity(identity)
                        .build())
                .leaseDuration(LEASE)
                .renewDeadline(RENEW_DEADLINE)
                .retryPeriod(RETRY)
                .onStartedLeading(job::start)
                .onStoppedLeading(job::stop)
                .build();
    }

    /** Starts competing; {@code work} runs every {@code period} while this replica leads. */
    public static EmbeddedApp start(KubernetesClient client, String namespace, String leaseName, String identity,
            Duration period, Consumer<Leadership> work) {
        EmbeddedApp app = new EmbeddedApp(client, namespace, leaseName, identity, period, work);
        app.elector.start();
        return app;
    }

    public boolean isLeader() {
        return elector.isLeader();
    }

    /** True while the job is scheduled. */
    public boolean jobRunning() {
        return job.isRunning();
    }

    /** Graceful shutdown: stops the job, releases the Lease, then ends the job's thread. */
    @Override
    public void close() {
        try {
            elector.close();
        } finally {
            job.close();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        String leaseName = args.length > 0 ? args[0] : "embedded-app";
        Duration period = Duration.ofSeconds(1);
        if (args.length > 1) {
            try {
                period = Duration.parse(args[1]);
            } catch (DateTimeParseException e) {
                System.err.println("embedded-app: job period = \"" + args[1] + "\" is not an ISO-8601 duration such as "
                        + "PT1S");
                System.exit(2);
            }
        }
        String identity = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank())
                .orElse("app-" + ProcessHandle.current().pid());
        KubernetesClient client = new KubernetesClientBuilder().build();
        String namespace = Optional.ofNullable(client.getNamespace()).orElse("default");
        AtomicLong runs = new AtomicLong();
        EmbeddedApp app = start(client, namespace, leaseName, identity, period, leadership ->
                say(identity + ": leader-only job, run " + runs.incrementAndGet() + " (term " + leadership.term()
                        + ")"));
        say(identity + ": started; competing for Lease " + namespace + "/" + leaseName + " at "
                + client.getMasterUrl());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say(identity + ": SIGTERM: stopping the job and releasing the Lease");
            app.close();
            client.close();
            say(identity + ": released; bye");
            stopped.countDown();
        }, "embedded-app-shutdown"));
        stopped.await();
    }

    private static void say(String line) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
    }
}
