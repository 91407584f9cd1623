package dev.leasehold.samples.pgdemo;

import dev.leasehold.postgres.OsUser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One agent as a separate process, as in a pod: {@code java -cp ... AgentMain}, configured only through
 * environment variables (passwords in files). When the demo runs as root the agent runs as the unprivileged
 * user that owns the data directories (with {@code setpriv}), as PostgreSQL refuses to run as root.
 */
final class AgentProcess implements AutoCloseable {
    private final String member;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    AgentProcess(String member, String classpath, Optional<OsUser> osUser, Map<String, String> env, Path log) {
        this.member = member;
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", classpath,
                "dev.leasehold.postgres.agent.AgentMain");
        List<String> wrapped = new ArrayList<>(osUser.map(u -> u.wrap(java)).orElse(java));
        if (osUser.isEmpty() && Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            wrapped.addAll(0, List.of("/usr/bin/setpriv", "--"));
        }
        // the agent dies with the demo even when the demo is killed with SIGKILL (no shutdown hook runs then)
        if (wrapped.get(0).endsWith("setpriv")) {
            wrapped.add(1, "--pdeathsig=KILL");
        }
        this.command = List.copyOf(wrapped);
        this.env = Map.copyOf(env);
        this.log = log;
    }

    String member() {
        return member;
    }

    synchronized void start() {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("LEASEHOLD_") || k.startsWith("KUBERNETES_"));
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the agent of " + member + ": " + command.get(0), e);
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized Optional<Long> pid() {
        return Optional.ofNullable(process).map(Process::pid);
    }

    /** kill -9: the agent gets no chance to fence, release or relabel. */
    synchronized void kill9() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(10));
        }
    }

    private void waitFor(Duration d) {
        try {
            process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code d} for the agent's process to end. */
    synchronized void awaitExit(Duration d) {
        if (process != null) {
            waitFor(d);
        }
    }

    /** SIGTERM (the agent closes: a primary fences and releases), then SIGKILL after {@code grace}. */
    synchronized void stop(Duration grace) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        waitFor(grace);
        if (process.isAlive()) {
            kill9();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    /**
     * A classpath for the child JVM: the entries of the class loader that loaded the demo when it is a
     * {@code URLClassLoader} (under {@code exec:java}; not its parents, which are Maven's own), else
     * {@code java.class.path} (a plain {@code java -cp} or a test JVM).
     */
    static List<Path> classpathOfThisJvm() {
        List<Path> out = new ArrayList<>();
        if (AgentProcess.class.getClassLoader() instanceof java.net.URLClassLoader u) {
            for (java.net.URL url : u.getURLs()) {
                if ("file".equals(url.getProtocol())) {
                    try {
                        out.add(Path.of(url.toURI()));
                    } catch (java.net.URISyntaxException e) {
                        throw new IllegalStateException("classpath entry " + url + " is not a path", e);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    out.add(Path.of(e));
                }
            }
        }
        return out;
    }
}
