package dev.leasehold.samples.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** One output line: {@code BENCH scenario=<name> lib=<lib> key=value ...}. */
public final class BenchLine {

    private final Map<String, String> fields = new LinkedHashMap<>();

    BenchLine(String scenario, Library library) {
        this(scenario, library.label());
    }

    public BenchLine(String scenario, String library) {
        fields.put("scenario", scenario);
        fields.put("lib", library);
    }

    public BenchLine put(String key, Object value) {
        fields.put(key, String.valueOf(value));
        return this;
    }

    /** An error line: {@code error=} followed by the reason, spaces replaced so the line stays parseable. */
    public BenchLine error(Throwable failure) {
        String reason = failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ":" + failure.getMessage());
        return put("error", reason.replaceAll("\\s+", "_"));
    }

    @Override
    public String toString() {
        StringBuilder line = new StringBuilder("BENCH");
        fields.forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
        return line.toString();
    }
}
