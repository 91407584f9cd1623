package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists exactly the {@code LEASEHOLD_*} names the agent reads: {@link AgentSettings#NAMES}
 * and {@link AgentMain#EVENTS}. Its recommended profile block, and the environment docs/getting-started.md shows,
 * use only settings {@link AgentSettings} accepts.
 */
class ConfigurationDocTest {

    private static final Pattern NAME = Pattern.compile("LEASEHOLD_[A-Z0-9_]*[A-Z0-9]");

    private static String doc() throws IOException {
        return Files.readString(Path.of("..", "docs", "configuration.md"));
    }

    /** The agent's section: from its heading to the next heading of the same level. */
    private static String agentSection(String doc) {
        int start = doc.indexOf("\n## PostgreSQL agent\n");
        assertThat(start).as("docs/configuration.md has a section '## PostgreSQL agent'").isPositive();
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    @Test
    void theAgentSectionNamesExactlyTheSettingsTheCodeReads() throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher m = NAME.matcher(agentSection(doc()));
        while (m.find()) {
            documented.add(m.group());
        }
        Set<String> read = new TreeSet<>(AgentSettings.NAMES);
        read.add(AgentMain.EVENTS);
        assertThat(documented).as("LEASEHOLD_* names in docs/configuration.md's agent section").isEqualTo(read);
    }

    /** The environment in docs/getting-started.md's PostgreSQL section uses only names the agent reads. */
    @Test
    void theGettingStartedEnvironmentUsesOnlySettingsTheAgentReads() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "getting-started.md"));
        int start = guide.indexOf("\n## PostgreSQL high availability\n");
        assertThat(start).isPositive();
        int end = guide.indexOf("\n## ", start + 1);
        Set<String> used = new TreeSet<>();
        Matcher m = NAME.matcher(guide.substring(start, end < 0 ? guide.length() : end));
        while (m.find()) {
            used.add(m.group());
        }
        assertThat(used).contains("LEASEHOLD_CLUSTER", "LEASEHOLD_PG_DATA").isSubsetOf(AgentSettings.NAMES);
    }

    @Test
    void theRecommendedProfileBlockIsAcceptedByAgentSettings() throws IOException {
        String doc = doc();
        int marker = doc.indexOf("<!-- recommended-profile -->");
        assertThat(marker).isPositive();
        int start = doc.indexOf("```\n", marker) + 4;
        Map<String, String> env = new HashMap<>();
        for (String line : doc.substring(start, doc.indexOf("```", start)).strip().split("\n")) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertThat(env).containsKeys("LEASEHOLD_LEASE_DURATION", "LEASEHOLD_FAILSAFE");
        assertThat(new HashSet<>(AgentSettings.NAMES)).containsAll(env.keySet());
        AgentSettings.from(env); // throws naming any name it does not know
    }
}
