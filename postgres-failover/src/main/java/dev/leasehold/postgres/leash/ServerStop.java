package dev.leasehold.postgres.leash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Stops every process of one PostgreSQL server at once, with no shutdown: the postmaster is frozen
 * ({@code SIGSTOP}, so that it forks no new backend), then its children and the postmaster are killed
 * ({@code SIGKILL}). PostgreSQL puts every child in a session of its own, so a process-group kill would not reach
 * them; the children are read from {@code /proc/<postmaster>/task/<postmaster>/children} (or, without it, from
 * every process's parent in {@code /proc}) while the postmaster is frozen, so the list cannot grow.
 *
 * <p>The signals come from a {@code /bin/sh} started beforehand and waiting on its standard input, using only the
 * shell's built-in {@code kill} and {@code read}: at the deadline nothing is forked or loaded. Without a shell the
 * same order runs from Java ({@code kill -STOP} then {@link ProcessHandle#destroyForcibly}). A killed server is
 * recovered from its WAL at its next start, as after a power cut; nothing acknowledged is lost by the kill.
 *
 * <p>Not thread-safe: one owner (the guard's enforcing thread, or the agent at start-up).
 */
public final class ServerStop implements AutoCloseable {

    /** Reads pids from standard input, one a line; freezes, kills, and answers with what it killed. */
    static final String SCRIPT = String.join("\n",
            "while IFS= read -r pm; do",
            "  case \"$pm\" in ''|*[!0-9]*) echo \"refused $pm\"; continue;; esac",
            "  kill -STOP \"$pm\" 2>/dev/null || { echo \"gone $pm\"; continue; }",
            "  kids=",
            "  found=",
            "  for t in /proc/\"$pm\"/task/*/children; do",
            "    [ -r \"$t\" ] || continue",
            "    found=1; k=; read -r k < \"$t\" || :",
            "    kids=\"$kids $k\"",
            "  done",
            "  if [ -z \"$found\" ]; then",
            "    for p in /proc/[0-9]*; do",
            "      line=; read -r line < \"$p/stat\" 2>/dev/null || :",
            "      set -- ${line##*) }",
            "      [ \"$2\" = \"$pm\" ] && kids=\"$kids ${p#/proc/}\"",
            "    done",
            "  fi",
            "  [ -z \"$kids\" ] || kill -KILL $kids 2>/dev/null",
            "  kill -KILL \"$pm\" 2>/dev/null",
            "  echo \"killed $pm$kids\"",
            "done",
            "");

    private final Path dataDir;
    private Process shell;
    private BufferedReader answers;

    /** A stopper for the server of {@code dataDir}; the shell starts at once when there is one. */
    public ServerStop(Path dataDir) {
        this.dataDir = dataDir;
        ready();
    }

    /** The live postmaster recorded in the data directory's {@code postmaster.pid}, if any. */
    public OptionalLong postmaster() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            return alive(pid) && isPostgres(pid) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether the data directory holds {@code standby.signal}: its server, if any, is still in recovery. */
    public boolean standbySignalled() {
        return Files.exists(dataDir.resolve("standby.signal"));
    }

    /**
     * Stops the server of the data directory now, if one runs: every process at once, no shutdown.
     *
     * @return what was killed ("killed 123 124 125"), or empty when no server ran
     */
    public Optional<String> stopNow() {
        OptionalLong pm = postmaster();
        if (pm.isEmpty()) {
            return Optional.empty();
        }
        String done = null;
        if (shell != null && shell.isAlive()) {
            try {
                OutputStream in = shell.getOutputStream();
                in.write((pm.getAsLong() + "\n").getBytes(StandardCharsets.US_ASCII));
                in.flush();
                done = answers.readLine();
            } catch (IOException e) {
                done = null;
            }
            shell.destroy(); // one use each: the next stop gets a fresh shell
            shell = null;
        }
        if (done == null || !done.startsWith("killed")) {
            done = fromJava(pm.getAsLong());
        }
        awaitGone(pm.getAsLong(), 2_000);
        ready();
        return Optional.of(done);
    }

    private String fromJava(long pm) {
        signalStop(pm);
        List<Long> kids = children(pm);
        kids.forEach(k -> ProcessHandle.of(k).ifPresent(ProcessHandle::destroyForcibly));
        ProcessHandle.of(pm).ifPresent(ProcessHandle::destroyForcibly);
        StringBuilder b = new StringBuilder("killed ").append(pm);
        kids.forEach(k -> b.append(' ').append(k));
        return b.toString();
    }

    private static void signalStop(long pid) {
        try {
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the children are killed first, then the postmaster, without the freeze
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void ready() {
        if (shell != null && shell.isAlive()) {
            return;
        }
        Path sh = Path.of("/bin/sh");
        if (!Files.isExecutable(sh)) {
            shell = null;
            return;
        }
        try {
            shell = new ProcessBuilder(sh.toString(), "-c", SCRIPT).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            answers = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            shell = null;
        }
    }

    /** Whether a process is alive and not a zombie (a killed postmaster waits as one until it is reaped). */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private static boolean isPostgres(long pid) {
        try {
            byte[] cmd = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String first = new String(cmd, StandardCharsets.UTF_8).split("\0", 2)[0];
            return first.isEmpty() || first.endsWith("postgres") || first.startsWith("postgres");
        } catch (IOException e) {
            return ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> c.endsWith("postgres"))
                    .orElse(true);
        }
    }

    private static void awaitGone(long pid, long boundMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
        while (alive(pid) && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The postmaster's children, from {@code /proc} (or the JDK's view without it). */
    static List<Long> children(long pm) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pm), "task"))) {
            for (Path t : tasks) {
                String text = Files.readString(t.resolve("children"), StandardCharsets.US_ASCII).strip();
                for (String p : text.isEmpty() ? new String[0] : text.split("\\s+")) {
                    out.add(Long.parseLong(p));
                }
            }
        } catch (IOException | NumberFormatException e) {
            ProcessHandle.of(pm).ifPresent(h -> h.children().forEach(c -> out.add(c.pid())));
        }
        return out;
    }

    @Override
    public void close() {
        if (shell != null) {
            shell.destroy();
            shell = null;
        }
    }
}
