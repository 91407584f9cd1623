package dev.leasehold.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL programs ({@code pg_ctl}, {@code pg_rewind}, ...) from one bin directory, as an
 * optional unprivileged {@link OsUser}, with a time limit.
 *
 * <p>Arguments are passed as an argument vector, never through a shell; callers pass passwords
 * only through the environment ({@code PGPASSFILE}), never as arguments.
 */
public final class PgCommands {
    private static final int MAX_OUTPUT = 16_000;

    private final Path binDir;
    private final Optional<OsUser> osUser;

    /**
     * @param binDir the directory holding the PostgreSQL programs
     * @param osUser the user to run them as, if this JVM runs as root
     */
    public PgCommands(Path binDir, Optional<OsUser> osUser) {
        if (binDir == null) {
            throw new IllegalArgumentException("binDir must not be null");
        }
        this.binDir = binDir;
        this.osUser = osUser;
    }

    /** The outcome of a finished program: its exit code and its combined output (truncated). */
    public record Result(int exitCode, String output) {
    }

    public Path binDir() {
        return binDir;
    }

    public Optional<OsUser> osUser() {
        return osUser;
    }

    /** Whether the bin directory holds an executable with this name. */
    public boolean has(String program) {
        return Files.isExecutable(binDir.resolve(program));
    }

    /** The program's path, or a {@link PostgresException} naming the program and the directory. */
    public Path program(String program) {
        Path path = binDir.resolve(program);
        if (!Files.isExecutable(path)) {
            throw new PostgresException("PostgreSQL program '" + program + "' not found (or not executable) in "
                    + binDir);
        }
        return path;
    }

    /** Runs a program and returns its result, whatever the exit code. */
    public Result run(Duration timeout, Map<String, String> env, String program, List<String> args) {
        return run(timeout, env, program, args, null);
    }

    /**
     * Runs a program with {@code input} on its standard input (for example SQL for {@code postgres --single}: a
     * way to hand a program something that must not be an argument) and returns its result, whatever the exit
     * code.
     */
    public Result runWithInput(Duration timeout, Map<String, String> env, String program, List<String> args,
            String input) {
        return run(timeout, env, program, args, java.util.Objects.requireNonNull(input, "input"));
    }

    private Result run(Duration timeout, Map<String, String> env, String program, List<String> args, String input) {
        List<String> command = new ArrayList<>();
        command.add(program(program).toString());
        command.addAll(args);
        List<String> full = osUser.map(u -> u.wrap(command)).orElse(command);
        Path out = null;
        try {
            out = Files.createTempFile("leasehold-pg-cmd", ".out");
            ProcessBuilder.Redirect in = input == null
                    ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.PIPE;
            ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(in).directory(new java.io.File("/"));
            pb.environment().putAll(env);
            Process process = pb.start();
            if (input != null) {
                try (var stdin = process.getOutputStream()) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new PostgresException(program + " " + String.join(" ", args) + " did not finish within "
                        + timeout + "; output: " + read(out));
            }
            return new Result(process.exitValue(), read(out));
        } catch (IOException e) {
            throw new PostgresException("cannot run " + program + " from " + binDir + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while running " + program, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** Runs a program and throws a {@link PostgresException} with its output unless it exits with 0. */
    public Result runOrThrow(Duration timeout, Map<String, String> env, String program, List<String> args) {
        Result result = run(timeout, env, program, args);
        if (result.exitCode() != 0) {
            throw new PostgresException(program + " " + String.join(" ", args) + " failed with exit code "
                    + result.exitCode() + ": " + result.output().strip());
        }
        return result;
    }

    private static String read(Path out) throws IOException {
        byte[] bytes = Files.readAllBytes(out);
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.length() > MAX_OUTPUT ? text.substring(text.length() - MAX_OUTPUT) : text;
    }
}
