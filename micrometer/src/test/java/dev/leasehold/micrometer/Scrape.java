package dev.leasehold.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Arrays;
import java.util.List;

/** One scrape of a Prometheus registry in text format, read back sample by sample. */
final class Scrape {

    private final String text;
    private final List<String> samples;

    Scrape(PrometheusMeterRegistry registry) {
        this.text = registry.scrape();
        this.samples = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    /**
     * The value of the one sample named {@code name} whose labels include every {@code label} (written as in the
     * text: {@code lock="x"}); fails unless exactly one matches.
     */
    double value(String name, String... labels) {
        List<String> matching = samples.stream()
                .filter(s -> s.startsWith(name + "{") || s.startsWith(name + " "))
                .filter(s -> Arrays.stream(labels).allMatch(label -> labelsOf(s).contains(label)))
                .toList();
        assertThat(matching).as("samples %s%s in:\n%s", name, Arrays.toString(labels), text).hasSize(1);
        String sample = matching.get(0);
        return Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
    }

    private static String labelsOf(String sample) {
        int open = sample.indexOf('{');
        return open < 0 ? "" : sample.substring(open, sample.lastIndexOf('}') + 1);
    }

    String text() {
        return text;
    }
}
