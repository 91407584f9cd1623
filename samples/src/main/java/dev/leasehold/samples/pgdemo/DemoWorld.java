package dev.leasehold.samples.pgdemo;

import dev.leasehold.lock.support.MockApi;
import dev.leasehold.postgres.PostgresInstance;
import dev.leasehold.postgres.agent.AgentSettings;
import dev.leasehold.postgres.testing.PostgresCluster;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Everything the demo runs, and its cleanup: the Kubernetes API (embedded mock server, or a real cluster), the
 * PostgreSQL servers (the harness: initdb, streaming replicas), the member pods, and one agent process per member.
 * {@link #close()} is idempotent and is also the Ctrl-C shutdown hook: agents killed, servers stopped, pods and
 * Lease deleted from a real cluster, the mock server stopped, the temporary directory deleted.
 */
final class DemoWorld implements AutoCloseable {
    static final String CLUSTER = "pg";
    /** Agent settings the demo passes when this build's agent knows them. */
    static final String SWITCHOVER_TOKEN_FILE = "LEASEHOLD_SWITCHOVER_TOKEN_FILE";
    static final String SYNCHRONOUS_MODE = "LEASEHOLD_SYNCHRONOUS_MODE";

    /** The mock server logs every request at INFO through java.util.logging; held so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final DemoOptions options;
    private final PrintStream out;
    private final Map<String, AgentProcess> agents = new LinkedHashMap<>();
    private final Map<String, Integer> httpPorts = new LinkedHashMap<>();
    private final List<String> names = new ArrayList<>();
    private MockApi mock;
    private KubernetesClient kube;
    private String namespace;
    private PostgresCluster pg;
    private Path dir;
    private Watch leaseWatch;
    private Members members;
    private Optional<String> switchoverToken = Optional.empty();
    private boolean synchronous;
    private volatile long leaseChangedNanos = System.nanoTime();
    private boolean closed;

    private final Map<String, String> extraEnv = new HashMap<>();
    private final java.util.concurrent.ConcurrentLinkedQueue<LeaseRecord> leaseHistory =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** One version of the Lease as the demo's watch saw it: its holder and renew time, and when it was seen. */
    record LeaseRecord(String holder, java.time.Instant renewTime, long seenNanos) {
    }

    /**
     * Waits up to {@code bound} for one writable primary with every other member not in {@code dead} a replica
     * streaming from it, and in synchronous mode for the published set to have at least one member confirm each
     * commit (until then the primary runs asynchronous, and by design nobody may take over from it); returns the
     * primary.
     *
     * @throws IllegalStateException when the cluster does not settle within {@code bound}
     */
    String awaitSettled(java.util.Set<String> dead, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Optional<String> p = settledPrimary(dead);
            if (p.isPresent() && (!synchronous || leaseAnnotation(dev.leasehold.postgres.agent.SyncSet.ANNOTATION)
                    .map(t -> Members.parse(t).path("count").asInt(0) > 0).orElse(false))
                    && settledPrimary(dead).equals(p)) {
                return p.get();
            }
            PgDemo.pause(Duration.ofMillis(200));
        }
        throw new IllegalStateException("the cluster did not settle within " + bound + ": " + members.poll());
    }

    private Optional<String> settledPrimary(java.util.Set<String> dead) {
        List<Members.View> views = members.poll();
        List<String> primaries = views.stream().filter(Members.View::writablePrimary).map(Members.View::member)
                .toList();
        if (primaries.size() != 1) {
            return Optional.empty();
        }
        String p = primaries.get(0);
        boolean all = views.stream().filter(v -> !v.member().equals(p) && !dead.contains(v.member()))
                .allMatch(v -> v.status().map(s -> "replica".equals(s.path("role").asText())
                        && p.equals(s.path("upstream").asText())).orElse(false));
        return all ? Optional.of(p) : Optional.empty();
    }

    /** An annotation of the cluster's Lease as the API server has it now, if set. */
    Optional<String> leaseAnnotation(String key) {
        Lease l = kube.resources(Lease.class).inNamespace(namespace).withName(CLUSTER).get();
        return l == null || l.getMetadata().getAnnotations() == null ? Optional.empty()
                : Optional.ofNullable(l.getMetadata().getAnnotations().get(key));
    }

    /** Every version of the Lease the demo's watch saw, in order. */
    List<LeaseRecord> leaseHistory() {
        return List.copyOf(leaseHistory);
    }

    DemoWorld(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Settings every agent gets besides the demo's (a benchmark's {@code LEASEHOLD_GUARD=false}); before start. */
    DemoWorld withAgentSetting(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    synchronized void start() {
        try {
            dir = Files.createTempDirectory("leasehold-pgdemo-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
        out.println("pgdemo: working directory " + dir + " (deleted at the end)");
        Config agentConfig = startKubernetes();
        pg = PostgresCluster.start(options.members());
        String from = pg.binaries().description();
        out.println("PostgreSQL: " + (from.contains(pg.binaries().binDir().toString()) ? from
                : from + " (" + pg.binaries().binDir() + ")") + ", "
                + options.members() + " servers under " + pg.baseDir()
                + pg.osUser().map(u -> ", running as " + u.name() + " (this JVM is root)").orElse(""));
        for (int i = 0; i < options.members(); i++) {
            names.add(pg.member(i).name());
        }
        for (String m : names) {
            kube.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(m)
                    .withNamespace(namespace).addToLabels("leasehold.dev/cluster", CLUSTER).endMetadata()
                    .withNewSpec().addNewContainer().withName("postgres").withImage("postgres:15").endContainer()
                    .endSpec().build()).createOr(existing -> existing.update());
        }
        leaseWatch = kube.resources(Lease.class).inNamespace(namespace).withName(CLUSTER).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Lease resource) {
                leaseChangedNanos = System.nanoTime();
                var spec = resource.getSpec();
                if (spec != null && spec.getRenewTime() != null) {
                    leaseHistory.add(new LeaseRecord(spec.getHolderIdentity() == null ? "" : spec.getHolderIdentity(),
                            spec.getRenewTime().toInstant(), leaseChangedNanos));
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        Map<String, String> common = commonEnv(agentConfig);
        String classpath = classpath();
        for (int i = 0; i < names.size(); i++) {
            String m = names.get(i);
            int port = PostgresCluster.freePort();
            httpPorts.put(m, port);
            PostgresInstance inst = pg.member(i);
            Map<String, String> env = new HashMap<>(common);
            env.put("LEASEHOLD_MEMBER", m);
            env.put("LEASEHOLD_PG_HOST", inst.config().host());
            env.put("LEASEHOLD_PG_PORT", Integer.toString(inst.config().port()));
            env.put("LEASEHOLD_PG_DATA", inst.config().dataDir().orElseThrow().toString());
            env.put("LEASEHOLD_HTTP_PORT", Integer.toString(port));
            // every member is on this machine: a clone or rejoin works without pg_basebackup/pg_rewind too
            List<String> local = new ArrayList<>();
            for (int j = 0; j < names.size(); j++) {
                if (j != i) {
                    local.add(names.get(j) + "=" + pg.member(j).config().dataDir().orElseThrow().toAbsolutePath());
                }
            }
            env.put("LEASEHOLD_LOCAL_DATA_DIRS", String.join(",", local));
            agents.put(m, new AgentProcess(m, classpath, pg.osUser(), env, dir.resolve("agent-" + m + ".log")));
        }
        members = new Members(names, httpPorts, kube, namespace);
        out.println("agents: " + names.size() + " processes (java ... AgentMain, settings in LEASEHOLD_* variables, "
                + "passwords in files), logs in " + dir + "; lease " + PgDemo.LEASE.toSeconds() + "s, renew "
                + PgDemo.RENEW.toSeconds() + "s, retry " + PgDemo.RETRY.toSeconds() + "s");
    }

    private Config startKubernetes() {
        if (options.realKubernetes()) {
            kube = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.autoConfigure(null))
                    .withUserAgent("leasehold-pgdemo").build()).build();
            namespace = Optional.ofNullable(kube.getNamespace()).orElse("default");
            out.println("Kubernetes API: " + kube.getMasterUrl() + " (your kubeconfig or in-cluster configuration),"
                    + " namespace " + namespace);
            return kube.getConfiguration();
        }
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        mock = new MockApi();
        KubernetesClient direct = mock.client();
        kube = new KubernetesClientBuilder().withConfig(new ConfigBuilder(direct.getConfiguration())
                .withUserAgent("leasehold-pgdemo").build()).build();
        namespace = "default";
        out.println("Kubernetes API: embedded fabric8 KubernetesMockServer (CRUD mode) at http://" + mock.host() + ":"
                + mock.port() + " (pass --kubernetes=real to use your cluster)");
        return kube.getConfiguration();
    }

    private Map<String, String> commonEnv(Config api) {
        Path secrets = dir.resolve("secrets");
        Map<String, String> env = new HashMap<>();
        env.put("KUBERNETES_MASTER", api.getMasterUrl());
        env.put("KUBERNETES_NAMESPACE", namespace);
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        if (mock != null) {
            env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        } else {
            Optional.ofNullable(System.getenv("KUBECONFIG")).ifPresent(k -> env.put("KUBECONFIG", k));
            Optional.ofNullable(api.getOauthToken()).ifPresent(t -> env.put("KUBERNETES_AUTH_TOKEN", t));
        }
        env.put("LEASEHOLD_NAMESPACE", namespace);
        env.put("LEASEHOLD_CLUSTER", CLUSTER);
        env.put("LEASEHOLD_PG_BIN", pg.binaries().binDir().toString());
        env.put("LEASEHOLD_SUPERUSER", pg.superuser().user());
        env.put("LEASEHOLD_SUPERUSER_PASSWORD_FILE", secret(secrets, "superuser", pg.superuser().password()).toString());
        env.put("LEASEHOLD_REPLICATION_USER", pg.replication().user());
        env.put("LEASEHOLD_REPLICATION_PASSWORD_FILE",
                secret(secrets, "replication", pg.replication().password()).toString());
        env.put("LEASEHOLD_LEASE_DURATION", PgDemo.LEASE.toSeconds() + "s");
        env.put("LEASEHOLD_RENEW_DEADLINE", PgDemo.RENEW.toSeconds() + "s");
        env.put("LEASEHOLD_RETRY_PERIOD", PgDemo.RETRY.toSeconds() + "s");
        env.put("LEASEHOLD_FENCE_TIMEOUT", "500ms");
        env.put("LEASEHOLD_STATUS_INTERVAL", "500ms");
        if (agentKnows(SWITCHOVER_TOKEN_FILE)) {
            String token = random();
            switchoverToken = Optional.of(token);
            env.put(SWITCHOVER_TOKEN_FILE, secret(secrets, "switchover-token", token).toString());
        }
        if (options.synchronous()) {
            synchronous = agentKnows(SYNCHRONOUS_MODE);
            if (synchronous) {
                env.put(SYNCHRONOUS_MODE, "true");
            } else {
                out.println("synchronous mode: not available in this build's agent; running asynchronous");
            }
        }
        pg.osUser().ifPresent(u -> u.ownTree(secrets));
        env.putAll(extraEnv);
        return env;
    }

    /** Whether this build's agent accepts the setting (an unknown LEASEHOLD_ name is rejected by name). */
    static boolean agentKnows(String setting) {
        try {
            AgentSettings.from(Map.of(setting, "x"));
            return true;
        } catch (IllegalArgumentException e) {
            return !e.getMessage().startsWith(setting + " is not a setting");
        }
    }

    private static Path secret(Path secrets, String name, String value) {
        try {
            Files.createDirectories(secrets, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Path f = secrets.resolve(name);
            Files.writeString(f, value, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the secret file " + name, e);
        }
    }

    /**
     * The child JVMs' classpath. As root the agents run as the servers' unprivileged user, who may not be able to
     * read jars under root's home: those are linked (or copied) into the demo's directory.
     */
    private String classpath() {
        List<Path> entries = AgentProcess.classpathOfThisJvm();
        if (pg.osUser().isEmpty()) {
            return entries.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
        }
        Path lib = dir.resolve("lib");
        List<String> out = new ArrayList<>();
        try {
            Files.createDirectories(lib);
            int n = 0;
            for (Path e : entries) {
                if (Files.isDirectory(e) || !Files.exists(e)) {
                    out.add(e.toString()); // build output directories under the work tree; readable by all
                    continue;
                }
                Path target = lib.resolve((n++) + "-" + e.getFileName());
                try {
                    Files.createLink(target, e);
                } catch (IOException | UnsupportedOperationException linkFailed) {
                    Files.copy(e, target);
                }
                out.add(target.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the agents' classpath in " + lib, e);
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private static String random() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Starts the agents: the first member's (the harness made its server the primary) first, the others once it
     * holds the Lease, so the cluster bootstraps on the server that has the data rather than on a race.
     */
    void startAgents() {
        String first = names.get(0);
        agents.get(first).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (members.poll().get(0).status().map(s -> !s.path("writablePrimary").asBoolean(false)).orElse(true)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(first + "'s agent did not become the primary within 60 s; see "
                        + dir.resolve("agent-" + first + ".log"));
            }
            PgDemo.pause(Duration.ofMillis(100));
        }
        names.stream().skip(1).forEach(m -> agents.get(m).start());
    }

    Members members() {
        return members;
    }

    PostgresCluster pg() {
        return pg;
    }

    int size() {
        return names.size();
    }

    PostgresInstance instance(String member) {
        return pg.member(names.indexOf(member));
    }

    long leaseChangedNanos() {
        return leaseChangedNanos;
    }

    Optional<String> switchoverToken() {
        return switchoverToken;
    }

    boolean synchronous() {
        return synchronous;
    }

    Path dir() {
        return dir;
    }

    /** The last WARN or ERROR line in the member's agent log. */
    Optional<String> lastWarning(String member) {
        try (var lines = Files.lines(dir.resolve("agent-" + member + ".log"), StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).reduce((a, b) -> b)
                    .map(String::strip);
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Every port the demo's agents and servers listen on. */
    synchronized List<Integer> ports() {
        List<Integer> ports = new ArrayList<>(httpPorts.values());
        if (pg != null) {
            pg.members().forEach(m -> ports.add(m.config().port()));
        }
        return ports;
    }

    /** The PIDs of the agent processes now running. */
    synchronized List<Long> agentPids() {
        return agents.values().stream().flatMap(a -> a.pid().stream()).toList();
    }

    synchronized boolean running(String member) {
        return agents.get(member).isAlive();
    }

    /** kill -9 of the member's agent and of its PostgreSQL. */
    synchronized void kill9(String member) {
        agents.get(member).kill9();
        pg.kill9(names.indexOf(member));
    }

    /**
     * Sends {@code signal} ({@code STOP}, {@code CONT}, {@code KILL}) to the member's agent process alone: its guard
     * and its PostgreSQL are left as they are, as a GC pause, a frozen JVM or an OOM kill would leave them.
     */
    synchronized void signalAgent(String member, String signal) {
        long pid = agents.get(member).pid().orElseThrow(() -> new IllegalStateException(member + " has no agent"));
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending " + signal + " to " + member, e);
        }
        if (signal.equals("KILL")) {
            agents.get(member).awaitExit(java.time.Duration.ofSeconds(10));
        }
    }

    synchronized void restartAgent(String member) {
        agents.get(member).start();
    }

    void printHowToReach() {
        out.println();
        out.println("--keep-running: everything stays up until Ctrl-C.");
        httpPorts.forEach((m, p) -> out.println("  agent " + m + ": curl http://127.0.0.1:" + p + "/status   (also "
                + "/primary /replica /health /readiness)"));
        if (mock != null) {
            out.println("  Kubernetes API (mock): curl http://" + mock.host() + ":" + mock.port()
                    + "/apis/coordination.k8s.io/v1/namespaces/" + namespace + "/leases/" + CLUSTER);
            out.println("                         curl http://" + mock.host() + ":" + mock.port() + "/api/v1/namespaces/"
                    + namespace + "/pods");
        }
        for (int i = 0; i < names.size(); i++) {
            out.println("  PostgreSQL " + names.get(i) + ": 127.0.0.1:" + pg.member(i).config().port()
                    + " (user postgres, password in " + dir.resolve("secrets/superuser") + ")");
        }
        out.flush();
    }

    /** The recorded requests of the mock API server (for the RBAC test), empty on a real cluster. */
    List<io.fabric8.mockwebserver.http.RecordedRequest> takeRequests() {
        return mock == null ? List.of() : mock.takeRequests();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        agents.values().forEach(a -> a.stop(Duration.ofSeconds(3)));
        if (leaseWatch != null) {
            leaseWatch.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (kube != null && mock == null) {
            try {
                names.forEach(m -> kube.pods().inNamespace(namespace).withName(m).delete());
                kube.resources(Lease.class).inNamespace(namespace).withName(CLUSTER).delete();
            } catch (RuntimeException e) {
                out.println("pgdemo: could not delete the demo's pods or Lease: " + e.getMessage());
            }
        }
        if (kube != null) {
            kube.close();
        }
        if (mock != null) {
            mock.close();
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("pgdemo: could not delete " + root + ": " + e);
        }
    }
}
