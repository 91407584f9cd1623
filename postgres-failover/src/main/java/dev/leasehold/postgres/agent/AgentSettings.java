package dev.leasehold.postgres.agent;

import dev.leasehold.postgres.Bootstrap;
import dev.leasehold.postgres.Credentials;
import dev.leasehold.postgres.PostgresInstance;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the agent's settings from environment variables and/or a file of {@code NAME=value} lines (the same
 * names; the environment wins), validates each, and makes an {@link AgentConfig}. Every setting is listed with its
 * default and range in docs/configuration.md. A bad value stops start-up with an {@link IllegalArgumentException}
 * naming the setting and the value; a password is never part of a message, and only ever comes from a file
 * ({@code *_PASSWORD_FILE}) or the environment, never from the command line.
 */
public final class AgentSettings {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSettings.class);

    /** Every setting this class reads; anything else starting with {@code LEASEHOLD_} is rejected as a typo. */
    static final Set<String> NAMES = Set.of("LEASEHOLD_MEMBER", "LEASEHOLD_NAMESPACE", "LEASEHOLD_CLUSTER",
            "LEASEHOLD_PG_HOST", "LEASEHOLD_PG_PORT", "LEASEHOLD_PG_DATA", "LEASEHOLD_PG_BIN", "LEASEHOLD_PG_DATABASE",
            "LEASEHOLD_SUPERUSER", "LEASEHOLD_SUPERUSER_PASSWORD", "LEASEHOLD_SUPERUSER_PASSWORD_FILE",
            "LEASEHOLD_REPLICATION_USER", "LEASEHOLD_REPLICATION_PASSWORD", "LEASEHOLD_REPLICATION_PASSWORD_FILE",
            "LEASEHOLD_LEASE_DURATION", "LEASEHOLD_RENEW_DEADLINE", "LEASEHOLD_RETRY_PERIOD",
            "LEASEHOLD_MAX_CLOCK_DRIFT", "LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER", "LEASEHOLD_STATUS_TTL",
            "LEASEHOLD_DEFER_GRACE", "LEASEHOLD_LAGGING_FAILOVER_AFTER", "LEASEHOLD_HOLD_COMMITS_BELOW",
            "LEASEHOLD_FENCE_BELOW", "LEASEHOLD_RESTART_WITHIN", "LEASEHOLD_HANG_TIMEOUT", "LEASEHOLD_FENCE_TIMEOUT",
            "LEASEHOLD_LOOP_INTERVAL", "LEASEHOLD_STATUS_INTERVAL", "LEASEHOLD_PROBE_TIMEOUT",
            "LEASEHOLD_OPERATION_TIMEOUT", "LEASEHOLD_NOFAILOVER", "LEASEHOLD_PRIORITY", "LEASEHOLD_ROLE_LABELS",
            "LEASEHOLD_HTTP_PORT", "LEASEHOLD_CONFIG_FILE", "LEASEHOLD_SWITCHOVER_TOKEN_FILE",
            "LEASEHOLD_SWITCHOVER_TIMEOUT", "LEASEHOLD_SYNCHRONOUS_MODE", "LEASEHOLD_SYNCHRONOUS_COUNT",
            "LEASEHOLD_SYNCHRONOUS_STRICT", "LEASEHOLD_GUARD", "LEASEHOLD_EVENTS", "LEASEHOLD_FAILSAFE", "LEASEHOLD_FAILSAFE_WINDOW",
            "LEASEHOLD_FAILSAFE_TIMEOUT", "LEASEHOLD_FAILSAFE_LIMIT", "LEASEHOLD_INITDB_ARGS",
            "LEASEHOLD_INITDB_SETTINGS", "LEASEHOLD_INITDB_ALLOW_FROM", "LEASEHOLD_LOCAL_DATA_DIRS");

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Path SERVICE_ACCOUNT_NAMESPACE =
            Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private final Map<String, String> values;

    private AgentSettings(Map<String, String> values) {
        this.values = values;
    }

    /**
     * The settings from {@code env}, on top of the file that {@code LEASEHOLD_CONFIG_FILE} names (if any).
     *
     * @throws IllegalArgumentException naming the setting and the value when one is unknown or the file unreadable
     */
    public static AgentSettings from(Map<String, String> env) {
        Map<String, String> merged = new HashMap<>();
        String file = env.get("LEASEHOLD_CONFIG_FILE");
        if (file != null && !file.isBlank()) {
            merged.putAll(readFile(Path.of(file)));
        }
        env.forEach((k, v) -> {
            if (k.startsWith("LEASEHOLD_")) {
                merged.put(k, v);
            }
        });
        for (String k : merged.keySet()) {
            if (!NAMES.contains(k)) {
                throw new IllegalArgumentException(k + " is not a setting (see the list in the README)");
            }
        }
        for (String k : List.of("HOSTNAME", "POD_IP")) {
            if (env.containsKey(k)) {
                merged.putIfAbsent("_" + k, env.get(k));
            }
        }
        return new AgentSettings(merged);
    }

    private static Map<String, String> readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("LEASEHOLD_CONFIG_FILE=" + file + ": cannot read it ("
                    + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> out = new HashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("LEASEHOLD_CONFIG_FILE=" + file + ", line " + n
                        + ": not NAME=value");
            }
            String key = t.substring(0, eq).strip();
            if (key.endsWith("_PASSWORD")) {
                throw new IllegalArgumentException("LEASEHOLD_CONFIG_FILE=" + file + ", line " + n + ": " + key
                        + " is not allowed in the file; use " + key + "_FILE");
            }
            out.put(key, t.substring(eq + 1).strip());
        }
        return out;
    }

    /** The agent's configuration from these settings, talking through {@code client}. */
    public AgentConfig toConfig(KubernetesClient client) {
        String member = get("LEASEHOLD_MEMBER").or(() -> get("_HOSTNAME")).orElseThrow(() ->
                new IllegalArgumentException("LEASEHOLD_MEMBER is required (the pod's name; defaults to HOSTNAME)"));
        String namespace = get("LEASEHOLD_NAMESPACE").or(AgentSettings::serviceAccountNamespace).orElse("default");
        String cluster = get("LEASEHOLD_CLUSTER").orElseThrow(() ->
                new IllegalArgumentException("LEASEHOLD_CLUSTER is required (the cluster's name; the Lease's name)"));
        Path data = get("LEASEHOLD_PG_DATA").map(p -> absolute("LEASEHOLD_PG_DATA", p)).orElseThrow(() ->
                new IllegalArgumentException("LEASEHOLD_PG_DATA is required (the data directory)"));
        Path bin = get("LEASEHOLD_PG_BIN").map(p -> absolute("LEASEHOLD_PG_BIN", p)).orElseGet(AgentSettings::findBin);
        if (!Files.isExecutable(bin.resolve("pg_ctl"))) {
            throw new IllegalArgumentException("LEASEHOLD_PG_BIN=" + bin + " holds no pg_ctl");
        }
        Credentials superuser = new Credentials(get("LEASEHOLD_SUPERUSER").orElse("postgres"), password("SUPERUSER"));
        Credentials replication = new Credentials(get("LEASEHOLD_REPLICATION_USER").orElse("replicator"),
                password("REPLICATION"));
        PostgresInstance pg;
        try {
            pg = PostgresInstance.builder().name(member)
                    .host(get("LEASEHOLD_PG_HOST").or(() -> get("_POD_IP")).orElse("127.0.0.1"))
                    .port(integer("LEASEHOLD_PG_PORT", 5432, 1, 65535))
                    .database(get("LEASEHOLD_PG_DATABASE").orElse("postgres"))
                    .superuser(superuser).replication(replication)
                    .dataDir(data).binDir(bin).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PostgreSQL settings: " + e.getMessage(), e);
        }
        AgentConfig.Builder b = AgentConfig.builder().member(pg).client(client).namespace(namespace).cluster(cluster);
        duration("LEASEHOLD_LEASE_DURATION").ifPresent(b::leaseDuration);
        duration("LEASEHOLD_RENEW_DEADLINE").ifPresent(b::renewDeadline);
        duration("LEASEHOLD_RETRY_PERIOD").ifPresent(b::retryPeriod);
        get("LEASEHOLD_MAX_CLOCK_DRIFT").ifPresent(v -> b.maxClockDrift(decimal("LEASEHOLD_MAX_CLOCK_DRIFT", v)));
        get("LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER").ifPresent(v -> b.maximumLagOnFailover(
                ByteCount.parse("LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER", v)));
        duration("LEASEHOLD_STATUS_TTL").ifPresent(b::statusTtl);
        duration("LEASEHOLD_DEFER_GRACE").ifPresent(b::deferGrace);
        get("LEASEHOLD_LAGGING_FAILOVER_AFTER").filter(v -> !v.equals("never"))
                .ifPresent(v -> b.laggingFailoverAfter(parseDuration("LEASEHOLD_LAGGING_FAILOVER_AFTER", v)));
        duration("LEASEHOLD_HOLD_COMMITS_BELOW").ifPresent(b::holdCommitsBelow);
        duration("LEASEHOLD_FENCE_BELOW").ifPresent(b::fenceBelow);
        duration("LEASEHOLD_RESTART_WITHIN").ifPresent(b::restartWithin);
        duration("LEASEHOLD_HANG_TIMEOUT").ifPresent(b::hangTimeout);
        duration("LEASEHOLD_FENCE_TIMEOUT").ifPresent(b::fenceTimeout);
        duration("LEASEHOLD_LOOP_INTERVAL").ifPresent(b::loopInterval);
        duration("LEASEHOLD_STATUS_INTERVAL").ifPresent(b::statusInterval);
        duration("LEASEHOLD_PROBE_TIMEOUT").ifPresent(b::probeTimeout);
        duration("LEASEHOLD_OPERATION_TIMEOUT").ifPresent(b::operationTimeout);
        get("LEASEHOLD_NOFAILOVER").ifPresent(v -> b.noFailover(bool("LEASEHOLD_NOFAILOVER", v)));
        b.priority(integer("LEASEHOLD_PRIORITY", 0, -1_000_000, 1_000_000));
        get("LEASEHOLD_ROLE_LABELS").ifPresent(v -> b.roleLabels(RoleLabels.preset(v)));
        b.httpPort(integer("LEASEHOLD_HTTP_PORT", 8008, -1, 65535));
        get("LEASEHOLD_SWITCHOVER_TOKEN_FILE").map(p -> absolute("LEASEHOLD_SWITCHOVER_TOKEN_FILE", p))
                .ifPresent(b::switchoverTokenFile);
        duration("LEASEHOLD_SWITCHOVER_TIMEOUT").ifPresent(b::switchoverTimeout);
        get("LEASEHOLD_SYNCHRONOUS_MODE").ifPresent(v -> b.synchronousMode(bool("LEASEHOLD_SYNCHRONOUS_MODE", v)));
        b.synchronousCount(integer("LEASEHOLD_SYNCHRONOUS_COUNT", 1, 1, 16));
        get("LEASEHOLD_FAILSAFE").ifPresent(v -> b.failsafe(bool("LEASEHOLD_FAILSAFE", v)));
        get("LEASEHOLD_GUARD").ifPresent(v -> b.guard(bool("LEASEHOLD_GUARD", v)));
        duration("LEASEHOLD_FAILSAFE_WINDOW").ifPresent(b::failsafeWindow);
        duration("LEASEHOLD_FAILSAFE_TIMEOUT").ifPresent(b::failsafeTimeout);
        duration("LEASEHOLD_FAILSAFE_LIMIT").ifPresent(b::failsafeLimit);
        get("LEASEHOLD_LOCAL_DATA_DIRS").ifPresent(v -> localDataDirs(b, v));
        get("LEASEHOLD_SYNCHRONOUS_STRICT").ifPresent(v -> b.synchronousStrict(bool("LEASEHOLD_SYNCHRONOUS_STRICT",
                v)));
        b.bootstrap(bootstrap());
        b.describedBy(this::describe);
        AgentConfig config = b.build();
        LOG.info("{}: settings: {}", config.name(), effective(config));
        return config;
    }

    /**
     * How a refusal of {@link AgentConfig.Builder#build()} names a setting: its variable and the value as given
     * ({@code LEASEHOLD_RENEW_DEADLINE=12s}), or the value in force when it was not given.
     */
    private String describe(String field, Object value) {
        String name = "LEASEHOLD_" + (field.equals("noFailover") ? "NOFAILOVER"
                : field.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        if (!NAMES.contains(name)) {
            return value == null ? field : field + " = " + AgentConfig.Builder.show(value);
        }
        return get(name).map(v -> name + "=" + v)
                .orElseGet(() -> name + (value == null ? " (not set)" : " (not set: " + AgentConfig.Builder.show(value)
                        + ")"));
    }

    /** The settings in force, one {@code NAME=value} each, in the README's order; no password, only its file. */
    static String effective(AgentConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("LEASEHOLD_MEMBER", c.name());
        m.put("LEASEHOLD_NAMESPACE", c.namespace());
        m.put("LEASEHOLD_CLUSTER", c.cluster());
        m.put("LEASEHOLD_PG_HOST", c.member().config().host());
        m.put("LEASEHOLD_PG_PORT", c.member().config().port());
        m.put("LEASEHOLD_PG_DATA", c.member().config().dataDir().map(Object::toString).orElse(""));
        m.put("LEASEHOLD_PG_BIN", c.member().config().binDir());
        m.put("LEASEHOLD_SUPERUSER", c.member().config().superuser().user());
        m.put("LEASEHOLD_REPLICATION_USER", c.member().config().replication().user());
        m.put("LEASEHOLD_LEASE_DURATION", c.leaseDuration());
        m.put("LEASEHOLD_RENEW_DEADLINE", c.renewDeadline());
        m.put("LEASEHOLD_RETRY_PERIOD", c.retryPeriod());
        m.put("LEASEHOLD_MAX_CLOCK_DRIFT", c.maxClockDrift());
        m.put("LEASEHOLD_FENCE_TIMEOUT", c.fenceTimeout());
        m.put("LEASEHOLD_HOLD_COMMITS_BELOW", c.rules().holdCommitsBelow());
        m.put("LEASEHOLD_FENCE_BELOW", c.rules().fenceBelow());
        m.put("LEASEHOLD_MAXIMUM_LAG_ON_FAILOVER", c.rules().maximumLagOnFailover());
        m.put("LEASEHOLD_LAGGING_FAILOVER_AFTER", c.rules().laggingFailoverAfter().map(Object.class::cast)
                .orElse("never"));
        m.put("LEASEHOLD_DEFER_GRACE", c.rules().deferGrace());
        m.put("LEASEHOLD_STATUS_INTERVAL", c.statusInterval());
        m.put("LEASEHOLD_STATUS_TTL", c.rules().statusTtl());
        m.put("LEASEHOLD_RESTART_WITHIN", c.rules().restartWithin());
        m.put("LEASEHOLD_PROBE_TIMEOUT", c.probeTimeout());
        m.put("LEASEHOLD_HANG_TIMEOUT", c.rules().hangTimeout());
        m.put("LEASEHOLD_LOOP_INTERVAL", c.loopInterval());
        m.put("LEASEHOLD_OPERATION_TIMEOUT", c.operationTimeout());
        m.put("LEASEHOLD_NOFAILOVER", c.noFailover());
        m.put("LEASEHOLD_PRIORITY", c.priority());
        m.put("LEASEHOLD_ROLE_LABELS", c.roleLabels().key());
        m.put("LEASEHOLD_HTTP_PORT", c.httpPort());
        m.put("LEASEHOLD_SWITCHOVER_TOKEN_FILE", c.switchoverTokenFile().map(Object::toString).orElse("unset"));
        m.put("LEASEHOLD_SWITCHOVER_TIMEOUT", c.switchoverTimeout());
        m.put("LEASEHOLD_SYNCHRONOUS_MODE", c.synchronous().isPresent());
        c.synchronous().ifPresent(y -> {
            m.put("LEASEHOLD_SYNCHRONOUS_COUNT", y.count());
            m.put("LEASEHOLD_SYNCHRONOUS_STRICT", y.strict());
        });
        m.put("LEASEHOLD_FAILSAFE", c.failsafe().isPresent());
        c.failsafe().ifPresent(f -> {
            m.put("LEASEHOLD_FAILSAFE_WINDOW", f.window());
            m.put("LEASEHOLD_FAILSAFE_TIMEOUT", f.timeout());
            m.put("LEASEHOLD_FAILSAFE_LIMIT", f.limit());
        });
        StringBuilder line = new StringBuilder();
        m.forEach((k, v) -> line.append(line.length() == 0 ? "" : " ").append(k).append('=')
                .append(AgentConfig.Builder.show(v)));
        return line.toString();
    }

    /**
     * {@code LEASEHOLD_INITDB_ARGS} (space-separated), {@code LEASEHOLD_INITDB_SETTINGS} ({@code name=value}
     * pairs separated by {@code ;}) and {@code LEASEHOLD_INITDB_ALLOW_FROM} (comma-separated CIDRs), each
     * defaulting to {@link Bootstrap.Settings#defaults()}'s.
     */
    private Bootstrap.Settings bootstrap() {
        Bootstrap.Settings d = Bootstrap.Settings.defaults();
        List<String> args = get("LEASEHOLD_INITDB_ARGS")
                .map(v -> v.equals("none") ? List.<String>of() : List.of(v.split("\\s+"))).orElse(d.initdbArgs());
        Map<String, String> settings = new HashMap<>();
        get("LEASEHOLD_INITDB_SETTINGS").ifPresent(v -> {
            for (String pair : v.split(";")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("LEASEHOLD_INITDB_SETTINGS=" + v + ": '" + pair.strip()
                            + "' is not name=value (pairs are separated by ';')");
                }
                settings.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
        });
        List<String> allow = get("LEASEHOLD_INITDB_ALLOW_FROM").map(v -> List.of(v.split("\\s*,\\s*")))
                .orElse(d.allowFrom());
        try {
            return new Bootstrap.Settings(args, settings, allow);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String setting = m.startsWith("initdbArgs") ? "LEASEHOLD_INITDB_ARGS"
                    : m.startsWith("settings") ? "LEASEHOLD_INITDB_SETTINGS" : "LEASEHOLD_INITDB_ALLOW_FROM";
            throw new IllegalArgumentException(setting + "=" + get(setting).orElse("") + ": " + e.getMessage(), e);
        }
    }

    private Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private String password(String who) {
        String fileSetting = "LEASEHOLD_" + who + "_PASSWORD_FILE";
        Optional<String> file = get(fileSetting);
        if (file.isPresent()) {
            try {
                String text = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).strip();
                if (text.isEmpty()) {
                    throw new IllegalArgumentException(fileSetting + "=" + file.get() + ": the file is empty");
                }
                return text;
            } catch (IOException e) {
                throw new IllegalArgumentException(fileSetting + "=" + file.get() + ": cannot read it ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        return get("LEASEHOLD_" + who + "_PASSWORD").orElseThrow(() -> new IllegalArgumentException(
                fileSetting + " (or LEASEHOLD_" + who + "_PASSWORD in the environment) is required"));
    }

    /** {@code LEASEHOLD_LOCAL_DATA_DIRS}: {@code member=/absolute/path} pairs, comma-separated. */
    private static void localDataDirs(AgentConfig.Builder b, String value) {
        for (String pair : value.split(",")) {
            String p = pair.trim();
            int eq = p.indexOf('=');
            if (p.isEmpty()) {
                continue;
            }
            if (eq <= 0) {
                throw new IllegalArgumentException("LEASEHOLD_LOCAL_DATA_DIRS=" + value + ": \"" + p
                        + "\" is not member=/absolute/path");
            }
            try {
                b.localDataDir(p.substring(0, eq).trim(), Path.of(p.substring(eq + 1).trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("LEASEHOLD_LOCAL_DATA_DIRS=" + value + ": " + e.getMessage(), e);
            }
        }
    }

    private Optional<Duration> duration(String name) {
        return get(name).map(v -> parseDuration(name, v));
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT10S}). */
    static Duration parseDuration(String name, String v) {
        Matcher m = DURATION.matcher(v);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a duration (e.g. 500ms, 10s, 2m, PT10S)");
        }
    }

    private int integer(String name, int dflt, int min, int max) {
        Optional<String> v = get(name);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v.get() + " must be an integer in [" + min + ", " + max
                    + "]");
        }
    }

    private static double decimal(String name, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a number");
        }
    }

    /** {@code true} or {@code false} (in any case) and nothing else, as the README documents. */
    private static boolean bool(String name, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + "=" + v + " must be true or false");
        };
    }

    private static Path absolute(String name, String v) {
        Path p = Path.of(v);
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException(name + "=" + v + " must be an absolute path");
        }
        return p;
    }

    private static Optional<String> serviceAccountNamespace() {
        try {
            return Optional.of(Files.readString(SERVICE_ACCOUNT_NAMESPACE).strip()).filter(s -> !s.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Where PostgreSQL's programs are when {@code LEASEHOLD_PG_BIN} is not set: {@code pg_config --bindir} of a
     * {@code pg_config} on the PATH, else the newest {@code /usr/lib/postgresql/<version>/bin}.
     */
    static Path findBin() {
        return dev.leasehold.postgres.BinDirs.installed().orElseThrow(() -> new IllegalArgumentException(
                "LEASEHOLD_PG_BIN is not set and no PostgreSQL was found (pg_config, /usr/lib/postgresql)"));
    }
}
