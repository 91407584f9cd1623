package dev.leasehold.compat.fabric8;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Version;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The locks' tests this module runs prove something about fabric8 8 only if fabric8 8 is what they run on: the
 * client, its implementation, the Lease model and the mock server must all come from the 8.x line, so a change of
 * the dependency management cannot turn this module silently into a second run on 7.x.
 */
class Fabric8VersionTest {
    private static final String LINE = "8.";

    @Test
    void theClientTheLocksRunOnIsFabric8Line8() {
        assertThat(Version.clientVersion()).as("io.fabric8.kubernetes.client.Version.clientVersion()").startsWith(LINE);
    }

    @Test
    void everyFabric8JarTheTestsLoadIsFromLine8() throws Exception {
        Class<?> impl = Class.forName("io.fabric8.kubernetes.client.impl.KubernetesClientImpl");
        assertThat(mavenVersion("kubernetes-client", impl)).startsWith(LINE);
        assertThat(mavenVersion("kubernetes-client-api", Version.class)).startsWith(LINE);
        assertThat(mavenVersion("kubernetes-model-coordination", Lease.class)).startsWith(LINE);
        assertThat(mavenVersion("kubernetes-server-mock", KubernetesMockServer.class)).startsWith(LINE);
    }

    /** The version in the pom.properties Maven packs into the jar {@code type} was loaded from. */
    private static String mavenVersion(String artifactId, Class<?> type) throws IOException {
        URL jar = type.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader only = new URLClassLoader(new URL[] {jar}, null);
                InputStream in = only.getResourceAsStream("META-INF/maven/io.fabric8/" + artifactId
                        + "/pom.properties")) {
            assertThat(in).as("pom.properties of %s in %s", artifactId, jar).isNotNull();
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(none in " + jar + ")");
        }
    }
}
