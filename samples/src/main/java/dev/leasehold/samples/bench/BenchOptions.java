package dev.leasehold.samples.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's settings, from {@code key=value} arguments; the word {@code quick} first selects shorter
 * defaults. Unknown keys are rejected, naming the key.
 *
 * @param libs the libraries to run
 * @param scenarios the scenarios to run, in this order
 * @param timings the settings for handover and crash
 * @param reps handover repetitions per library and timing
 * @param crashReps crash repetitions per library and timing
 * @param crashParallel how many crash repetitions run at once (each on its own Lease)
 * @param candidates candidates per Lease in handover and crash
 * @param settle how long the candidates run together before the leader is stopped
 * @param loadTiming the settings for load
 * @param loadFollowers the follower counts N for load
 * @param loadSettle how long load runs before the window opens
 * @param loadWindow how long requests are counted
 * @param footprintTiming the settings for footprint
 * @param footprintElectors electors (and Leases) in footprint at the second measurement
 * @param footprintBase electors in footprint at the first measurement; per-elector figures are the growth from
 *     the first to the second measurement divided by {@code footprintElectors - footprintBase}
 * @param footprintRuns fresh JVMs per library in footprint, run alternating between the libraries
 * @param footprintSettle how long footprint runs after all electors lead before it measures
 * @param footprintStagger over how long footprint spreads the start of its electors
 * @param footprintLatency round-trip latency footprint adds between the electors and the API server (a delaying
 *     proxy in this process), as from an API server farther away or under load; zero for none
 */
record BenchOptions(List<Library> libs, List<String> scenarios, List<Timing> timings, int reps, int crashReps,
        int crashParallel, int candidates, Duration settle, Timing loadTiming, List<Integer> loadFollowers,
        Duration loadSettle, Duration loadWindow, Timing footprintTiming, int footprintElectors,
        int footprintBase, int footprintRuns, Duration footprintSettle, Duration footprintStagger,
        Duration footprintLatency) {

    static final List<String> SCENARIOS = List.of("handover", "crash", "load", "footprint");

    /** The full run's settings: key, default. */
    private static final String[][] DEFAULTS = {
        {"libs", "leasehold,fabric8"}, {"scenarios", String.join(",", SCENARIOS)}, {"timings", "15/10/2,4/3/1"},
        {"reps", "20"}, {"crash.reps", "10"}, {"crash.parallel", "5"}, {"candidates", "3"}, {"settle", "1s"},
        {"load.timing", "4/3/1"}, {"load.n", "1,10,50"}, {"load.settle", "15s"}, {"load.window", "60s"},
        {"footprint.timing", "15/10/2"}, {"footprint.n", "300"}, {"footprint.base", "100"},
        {"footprint.runs", "3"}, {"footprint.settle", "75s"}, {"footprint.stagger", "2s"},
        {"footprint.latency", "0ms"},
    };

    /** What {@code quick} changes: a run of about five minutes. */
    private static final Map<String, String> QUICK = Map.of(
            "reps", "5", "crash.reps", "5", "load.window", "20s", "load.settle", "8s", "footprint.settle", "65s");

    static BenchOptions parse(String... args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String[] entry : DEFAULTS) {
            values.put(entry[0], entry[1]);
        }
        List<String> rest = new ArrayList<>(List.of(args));
        if (!rest.isEmpty() && rest.get(0).equals("quick")) {
            values.putAll(QUICK);
            rest.remove(0);
        }
        for (String arg : rest) {
            if (arg.isBlank()) {
                continue;
            }
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg : arg.substring(0, eq);
            if (eq < 0 || !values.containsKey(key)) {
                throw new IllegalArgumentException("unknown argument \"" + arg + "\"; expected quick and/or key=value"
                        + " with key one of " + values.keySet());
            }
            values.put(key, arg.substring(eq + 1));
        }
        List<String> scenarios = split(values.get("scenarios"));
        for (String scenario : scenarios) {
            if (!SCENARIOS.contains(scenario)) {
                throw new IllegalArgumentException("scenarios must be among " + SCENARIOS + ", was \"" + scenario
                        + "\"");
            }
        }
        int footprintElectors = positive("footprint.n", values.get("footprint.n"));
        int footprintBase = positive("footprint.base", values.get("footprint.base"));
        if (footprintBase >= footprintElectors) {
            throw new IllegalArgumentException("footprint.base must be below footprint.n (" + footprintElectors
                    + "), was " + footprintBase);
        }
        int candidates = positive("candidates", values.get("candidates"));
        if (candidates < 2) {
            throw new IllegalArgumentException("candidates must be at least 2, was " + candidates);
        }
        return new BenchOptions(
                split(values.get("libs")).stream().map(Library::parse).toList(),
                scenarios,
                split(values.get("timings")).stream().map(Timing::parse).toList(),
                positive("reps", values.get("reps")),
                positive("crash.reps", values.get("crash.reps")),
                positive("crash.parallel", values.get("crash.parallel")),
                candidates,
                duration("settle", values.get("settle")),
                Timing.parse(values.get("load.timing")),
                split(values.get("load.n")).stream().map(n -> positive("load.n", n)).toList(),
                duration("load.settle", values.get("load.settle")),
                duration("load.window", values.get("load.window")),
                Timing.parse(values.get("footprint.timing")),
                footprintElectors,
                footprintBase,
                positive("footprint.runs", values.get("footprint.runs")),
                duration("footprint.settle", values.get("footprint.settle")),
                duration("footprint.stagger", values.get("footprint.stagger")),
                duration("footprint.latency", values.get("footprint.latency")));
    }

    private static List<String> split(String list) {
        return List.of(list.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int positive(String key, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a positive whole number, was \"" + value + "\"");
    }

    /** {@code 500ms}, {@code 20s} or {@code 2m}; a bare number is seconds. */
    static Duration duration(String key, String value) {
        String v = value.trim();
        try {
            Duration d;
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            } else if (v.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                d = Duration.ofSeconds(Long.parseLong(v));
            }
            if (!d.isNegative()) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a duration such as 500ms, 20s or 2m, was \"" + value
                + "\"");
    }
}
