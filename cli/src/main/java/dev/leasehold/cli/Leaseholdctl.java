package dev.leasehold.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code leaseholdctl}: look at and steer a Leasehold PostgreSQL cluster through your kubeconfig. Reads the
 * cluster's Lease and its member pods' published statuses; writes only the switchover request on the Lease.
 *
 * <p>Exit codes: 0 done, 1 the request failed (no cluster, no permission, unknown member, API trouble), 2 bad
 * usage, 3 a switchover did not happen in time.
 */
@Command(name = "leaseholdctl", mixinStandardHelpOptions = true, version = "leaseholdctl 0.1.0",
        description = "Look at and steer a Leasehold PostgreSQL cluster (kubeconfig as kubectl's).",
        subcommands = {ListCommand.class, SwitchoverCommand.class, HistoryCommand.class})
public final class Leaseholdctl implements Runnable {
    private final Supplier<KubernetesClient> clients;
    private KubernetesClient client;
    private PrintWriter out;
    private PrintWriter err;

    /** With a client made on first use by {@code clients}; the CLI closes it when the command ends. */
    public Leaseholdctl(Supplier<KubernetesClient> clients) {
        this.clients = clients;
    }

    public static void main(String[] args) {
        System.exit(run(Leaseholdctl::kubeconfigClient, new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }

    /**
     * The client of the user's kubeconfig, on the JDK's HTTP client: a command that makes two or three requests
     * starts faster on it than on Vert.x, and no event-loop thread is left to report itself blocked on stderr.
     */
    static KubernetesClient kubeconfigClient() {
        return new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory()).build();
    }

    /** Runs one command line; returns its exit code. */
    public static int run(Supplier<KubernetesClient> clients, PrintWriter out, PrintWriter err, String... args) {
        Leaseholdctl root = new Leaseholdctl(clients);
        root.out = out;
        root.err = err;
        CommandLine cl = new CommandLine(root).setOut(out).setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, line, parsed) -> {
                    if (e instanceof CliException c) {
                        err.println("leaseholdctl: " + c.getMessage());
                        return c.exitCode();
                    }
                    err.println("leaseholdctl: " + e);
                    return CliException.FAILED;
                });
        try {
            return cl.execute(args);
        } finally {
            root.closeClient();
            out.flush();
            err.flush();
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: list, switchover, history");
    }

    KubernetesClient client() {
        if (client == null) {
            client = clients.get();
        }
        return client;
    }

    private void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    String namespace(Target t) {
        if (t.namespace != null) {
            return t.namespace;
        }
        String ns = client().getNamespace();
        return ns == null || ns.isBlank() ? "default" : ns;
    }

    Cluster read(Target t) {
        return Cluster.read(client(), namespace(t), t.cluster);
    }

    String requestedBy() {
        String user = System.getProperty("user.name", "unknown");
        String host = System.getenv().getOrDefault("HOSTNAME", "");
        return "leaseholdctl:" + user + (host.isEmpty() ? "" : "@" + host);
    }

    void out(String text) {
        out.print(text);
        out.flush();
    }

    void err(String text) {
        err.print(text);
        err.flush();
    }

    void warn(String text) {
        err("warning: " + text + "\n");
    }

    void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while waiting");
        }
    }
}
