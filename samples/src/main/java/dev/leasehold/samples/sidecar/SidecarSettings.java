package dev.leasehold.samples.sidecar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sidecar's settings, frozen. Each comes from a flag ({@code --lease-name=x} or {@code --lease-name x}), else
 * from an environment variable, else from its default; {@link #parse} names the setting, where it came from and
 * the value when one cannot be used. Relations between the durations are checked by the elector's builder.
 *
 * @param namespace the Lease's namespace
 * @param identity this candidate's name, written as the Lease's holder
 * @param leaseName the Lease's name
 * @param leaseDuration how long followers wait after the last change they saw before taking over
 * @param renewDeadline how long the leader's term stays valid after the start of its last successful renew
 * @param retryPeriod how often the leader renews
 * @param port the HTTP port (0: any free port)
 */
public record SidecarSettings(String namespace, String identity, String leaseName, Duration leaseDuration,
        Duration renewDeadline, Duration retryPeriod, int port) {

    /** Where Kubernetes mounts the pod's own namespace. */
    public static final Path POD_NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    /** One setting: its flag, its environment variable, its default and its line in {@code --help}. */
    enum Setting {
        NAMESPACE("--namespace", "LEASEHOLD_NAMESPACE", null,
                "namespace of the Lease; default: the pod's own (service-account mount), else the kubeconfig's"),
        IDENTITY("--identity", "LEASEHOLD_IDENTITY", null, "this candidate's holder name; default: $HOSTNAME"),
        LEASE_NAME("--lease-name", "LEASEHOLD_LEASE_NAME", null, "name of the Lease (required)"),
        LEASE_DURATION("--lease-duration", "LEASEHOLD_LEASE_DURATION", "15s",
                "followers take over this long after the last change they saw; whole seconds"),
        RENEW_DEADLINE("--renew-deadline", "LEASEHOLD_RENEW_DEADLINE", "10s",
                "the leader steps down this long after its last successful renew began"),
        RETRY_PERIOD("--retry-period", "LEASEHOLD_RETRY_PERIOD", "2s", "the leader renews this often"),
        PORT("--port", "LEASEHOLD_PORT", "8090", "HTTP port for /leader, /readyz and /healthz (0: any free port)");

        final String flag;
        final String env;
        final String defaultValue;
        final String help;

        Setting(String flag, String env, String defaultValue, String help) {
            this.flag = flag;
            this.env = env;
            this.defaultValue = defaultValue;
            this.help = help;
        }
    }

    /** The text of {@code --help}. */
    public static String usage() {
        StringBuilder text = new StringBuilder()
                .append("Usage: java -jar leasehold-samples-<version>-sidecar.jar [options]\n\n")
                .append("Takes a coordination.k8s.io Lease with the Leasehold elector and serves\n")
                .append("  GET /leader   JSON: holder, term, since (as the Lease records them), self, leading\n")
                .append("  GET /readyz   200 while this candidate holds a valid term, else 503\n")
                .append("  GET /healthz  200 unless the elector is stuck past its renew deadline, else 503\n")
                .append("Talks to Kubernetes through fabric8's usual configuration (in-cluster service account,\n")
                .append("kubeconfig, KUBERNETES_MASTER, ...). SIGTERM steps down and releases the Lease.\n\n")
                .append("Options (a flag wins over its environment variable; durations like 15s, 500ms, 2m, PT15S):\n");
        for (Setting setting : Setting.values()) {
            text.append(String.format(Locale.ROOT, "  %-25s %-25s %s%s%n", setting.flag + " <value>", setting.env,
                    setting.help, setting.defaultValue == null ? "" : "; default " + setting.defaultValue));
        }
        return text.append(String.format(Locale.ROOT, "  %-25s %-25s %s%n", "--help", "", "print this and exit"))
                .toString();
    }

    /** True when {@code args} ask for {@link #usage()}. */
    public static boolean wantsHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    /**
     * Reads the settings.
     *
     * @param args command-line arguments
     * @param env environment variables
     * @param namespaceFile the pod's namespace file (read when present and no namespace is given)
     * @param clientNamespace the namespace of fabric8's configuration, the last resort (may be null)
     * @throws SettingsException naming the setting, its source and its value
     */
    public static SidecarSettings parse(List<String> args, Map<String, String> env, Path namespaceFile,
            String clientNamespace) {
        Map<Setting, Source> given = new EnumMap<>(Setting.class);
        for (Setting setting : Setting.values()) {
            String value = env.get(setting.env);
            if (value != null && !value.isBlank()) {
                given.put(setting, new Source(setting.env, value.trim()));
            }
        }
        readFlags(args, given);
        // the values given are checked before the settings that are missing
        Duration leaseDuration = duration(given, Setting.LEASE_DURATION);
        Duration renewDeadline = duration(given, Setting.RENEW_DEADLINE);
        Duration retryPeriod = duration(given, Setting.RETRY_PERIOD);
        int port = port(given);

        String namespace = text(given, Setting.NAMESPACE);
        if (namespace == null) {
            namespace = podNamespace(namespaceFile);
        }
        if (namespace == null && clientNamespace != null && !clientNamespace.isBlank()) {
            namespace = clientNamespace;
        }
        if (namespace == null) {
            throw new SettingsException("namespace is not set: give --namespace or LEASEHOLD_NAMESPACE (no "
                    + namespaceFile + " and no namespace in the Kubernetes client configuration)");
        }
        String identity = text(given, Setting.IDENTITY);
        if (identity == null) {
            identity = env.get("HOSTNAME");
        }
        if (identity == null || identity.isBlank()) {
            throw new SettingsException("identity is not set: give --identity or LEASEHOLD_IDENTITY (HOSTNAME is "
                    + "not set either)");
        }
        String leaseName = text(given, Setting.LEASE_NAME);
        if (leaseName == null) {
            throw new SettingsException("lease name is not set: give --lease-name or LEASEHOLD_LEASE_NAME");
        }
        return new SidecarSettings(namespace, identity, leaseName, leaseDuration, renewDeadline, retryPeriod, port);
    }

    private record Source(String name, String value) {
    }

    private static void readFlags(List<String> args, Map<Setting, Source> given) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            int equals = arg.indexOf('=');
            String flag = equals < 0 ? arg : arg.substring(0, equals);
            Setting setting = null;
            for (Setting candidate : Setting.values()) {
                if (candidate.flag.equals(flag)) {
                    setting = candidate;
                }
            }
            if (setting == null) {
                throw new SettingsException("unknown option \"" + arg + "\" (see --help)");
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                throw new SettingsException(flag + " needs a value (see --help)");
            }
            if (value.isBlank()) {
                throw new SettingsException(flag + " is empty; give a value (see --help)");
            }
            given.put(setting, new Source(flag, value.trim()));
        }
    }

    private static String text(Map<Setting, Source> given, Setting setting) {
        Source source = given.get(setting);
        return source == null ? null : source.value();
    }

    private static Source valueOrDefault(Map<Setting, Source> given, Setting setting) {
        Source source = given.get(setting);
        return source != null ? source : new Source(setting.flag + " (default)", setting.defaultValue);
    }

    private static Duration duration(Map<Setting, Source> given, Setting setting) {
        Source source = valueOrDefault(given, setting);
        Duration parsed = parseDuration(source.value());
        if (parsed == null) {
            throw new SettingsException(source.name() + " = \"" + source.value() + "\" is not a duration; use e.g. "
                    + "15s, 500ms, 2m or PT15S");
        }
        if (parsed.isZero() || parsed.isNegative()) {
            throw new SettingsException(source.name() + " = \"" + source.value() + "\" must be positive");
        }
        return parsed;
    }

    /** {@code 15s}, {@code 500ms}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT15S}); null when neither. */
    static Duration parseDuration(String value) {
        Matcher matcher = SHORT_DURATION.matcher(value);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static int port(Map<Setting, Source> given) {
        Source source = valueOrDefault(given, Setting.PORT);
        int port;
        try {
            port = Integer.parseInt(source.value());
        } catch (NumberFormatException e) {
            throw new SettingsException(source.name() + " = \"" + source.value() + "\" is not a port number");
        }
        if (port < 0 || port > 65535) {
            throw new SettingsException(source.name() + " = " + port + " must be in 0..65535");
        }
        return port;
    }

    private static String podNamespace(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            String namespace = Files.readString(file, StandardCharsets.UTF_8).trim();
            return namespace.isEmpty() ? null : namespace;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the pod's namespace from " + file, e);
        }
    }
}
