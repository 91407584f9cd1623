package dev.leasehold.samples.sidecar;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The sidecar's command line: {@code java -jar leasehold-samples-<version>-sidecar.jar --lease-name my-app}.
 * Exits 0 after {@code --help}, 2 on a bad setting (one line naming it and its value), 1 when it cannot start;
 * otherwise runs until SIGTERM, then steps down, releases the Lease and exits.
 */
public final class SidecarMain {

    private SidecarMain() {
    }

    /** What {@link #launch} did: a running sidecar and its client, or the exit code to end with. */
    record Launch(int exitCode, Sidecar sidecar, KubernetesClient client) {
    }

    public static void main(String[] args) throws InterruptedException {
        Launch launch = launch(Arrays.asList(args), System.getenv(), System.out, System.err);
        if (launch.sidecar() == null) {
            System.exit(launch.exitCode());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("leasehold-sidecar: stopping: stepping down and releasing the Lease");
            launch.sidecar().close();
            launch.client().close();
            stopped.countDown();
        }, "leasehold-sidecar-shutdown"));
        stopped.await();
    }

    /**
     * Reads the settings, makes a client with fabric8's usual configuration and starts the sidecar.
     */
    static Launch launch(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (SidecarSettings.wantsHelp(args)) {
            out.print(SidecarSettings.usage());
            return new Launch(0, null, null);
        }
        KubernetesClient client = null;
        try {
            client = new KubernetesClientBuilder().build();
            SidecarSettings settings = SidecarSettings.parse(args, env, SidecarSettings.POD_NAMESPACE_FILE,
                    client.getNamespace());
            Sidecar sidecar = Sidecar.start(settings, client);
            out.println("leasehold-sidecar: " + settings.identity() + " competes for Lease " + settings.namespace()
                    + "/" + settings.leaseName() + " at " + client.getMasterUrl() + " (lease "
                    + settings.leaseDuration() + ", renew deadline " + settings.renewDeadline() + ", retry "
                    + settings.retryPeriod() + "); serving /leader, /readyz, /healthz on port " + sidecar.port());
            return new Launch(0, sidecar, client);
        } catch (IllegalArgumentException e) {
            err.println("leasehold-sidecar: bad setting: " + e.getMessage());
            close(client);
            return new Launch(2, null, null);
        } catch (RuntimeException e) {
            err.println("leasehold-sidecar: cannot start: " + e.getMessage());
            close(client);
            return new Launch(1, null, null);
        }
    }

    private static void close(KubernetesClient client) {
        if (client != null) {
            client.close();
        }
    }
}
