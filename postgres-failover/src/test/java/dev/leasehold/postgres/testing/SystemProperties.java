package dev.leasehold.postgres.testing;

import java.util.HashMap;
import java.util.Map;

/** Runs code with system properties set (a {@code null} value clears one), restoring them afterwards. */
public final class SystemProperties {
    private SystemProperties() {
    }

    /** Code that may throw a checked exception or an assertion error. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    public static void with(Map<String, String> properties, Body body) throws Exception {
        Map<String, String> before = new HashMap<>();
        properties.keySet().forEach(k -> before.put(k, System.getProperty(k)));
        try {
            properties.forEach(SystemProperties::set);
            body.run();
        } finally {
            before.forEach(SystemProperties::set);
        }
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
