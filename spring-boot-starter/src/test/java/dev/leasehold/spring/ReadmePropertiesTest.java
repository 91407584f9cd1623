package dev.leasehold.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * The README's properties block, copied verbatim into an {@code application.properties}, starts an application
 * whose settings are the defaults the block claims.
 */
class ReadmePropertiesTest {

    private final MockApi api = new MockApi();

    @AfterEach
    void close() {
        api.close();
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(LeaseholdAutoConfiguration.class)
    static class App {
    }

    static String readmeBlock() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int marker = readme.indexOf("<!-- starter-properties -->");
        assertThat(marker).as("README marks its properties block").isPositive();
        int start = readme.indexOf("```properties\n", marker) + "```properties\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void theReadmeBlockCopiedAsItIsStartsAnApplicationWithTheDefaultsItShows(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("application.properties"), readmeBlock());
        KubernetesClient client = api.client();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .initializers(c -> c.getBeanFactory().registerSingleton("kubernetesClient", client))
                .properties("spring.config.location=" + file.toUri())
                .run()) {
            ElectionSettings settings = context.getBean(LeaseholdElection.class).settings();
            assertThat(settings.kind()).isEqualTo(LockKind.LEASE);
            assertThat(settings.name()).isEqualTo("my-app");
            assertThat(settings.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
            assertThat(settings.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
            assertThat(settings.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
            assertThat(settings.releaseOnClose()).isTrue();
            LeaseholdElectionProperties properties = context.getBean(LeaseholdElectionProperties.class);
            assertThat(properties.keepAlive()).isTrue();
            assertThat(properties.events().enabled()).isFalse();
            assertThat(properties.metrics().enabled()).isTrue();
            assertThat(properties.metrics().clientGoAliases()).isFalse();
        }
    }

    @Test
    void noValueInTheBlockCarriesATrailingComment() throws IOException {
        for (String line : readmeBlock().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(line).as("a .properties value runs to the end of its line").doesNotContain("#");
            }
        }
    }
}
