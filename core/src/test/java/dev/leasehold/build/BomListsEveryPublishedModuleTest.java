package dev.leasehold.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The BOM (bom/pom.xml, no parent) lists every artifact the build publishes, at the project's version: each
 * module of the parent that does not skip deployment, and its test-jar where it builds one. Unpublished modules
 * stay out, and no published module ships without a sources and a javadoc jar.
 */
class BomListsEveryPublishedModuleTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void bomListsEveryPublishedArtifactAtTheProjectVersion() throws Exception {
        Document parent = read(ROOT.resolve("pom.xml"));
        Document bom = read(ROOT.resolve("bom/pom.xml"));
        String version = child(parent.getDocumentElement(), "version");
        assertThat(child(bom.getDocumentElement(), "version")).as("the BOM's version").isEqualTo(version);

        Set<String> published = new TreeSet<>();
        for (String module : texts(parent.getDocumentElement(), "modules", "module")) {
            if (module.equals("bom")) {
                continue;
            }
            Path pom = ROOT.resolve(module).resolve("pom.xml");
            Document doc = read(pom);
            String text = Files.readString(pom);
            if (text.contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
                assertThat(text).as(module + " is not published, so it builds no sources or javadoc jar")
                        .contains("<maven.source.skip>true</maven.source.skip>")
                        .contains("<maven.javadoc.skip>true</maven.javadoc.skip>");
                continue;
            }
            assertThat(text).as(module + " is published, so its sources and javadoc jars are built")
                    .doesNotContain("<maven.source.skip>true").doesNotContain("<maven.javadoc.skip>true");
            String artifact = child(doc.getDocumentElement(), "artifactId");
            published.add(artifact + ":jar");
            if (text.contains("<goal>test-jar</goal>")) {
                published.add(artifact + ":test-jar");
            }
        }

        Set<String> listed = new TreeSet<>();
        Element management = (Element) bom.getDocumentElement().getElementsByTagName("dependencyManagement").item(0);
        NodeList deps = management.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element dep = (Element) deps.item(i);
            assertThat(child(dep, "groupId")).isEqualTo("dev.leasehold");
            assertThat(child(dep, "version")).isEqualTo("${project.version}");
            String type = child(dep, "type");
            listed.add(child(dep, "artifactId") + ":" + (type == null ? "jar" : type));
        }
        assertThat(listed).as("bom/pom.xml's dependencyManagement").isEqualTo(published);
    }

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    /** The text of {@code element}'s direct child {@code name}, or null. */
    private static String child(Element element, String name) {
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }

    private static List<String> texts(Element root, String container, String name) {
        List<String> out = new ArrayList<>();
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(container)) {
                NodeList items = e.getElementsByTagName(name);
                for (int i = 0; i < items.getLength(); i++) {
                    out.add(items.item(i).getTextContent().strip());
                }
            }
        }
        return out;
    }
}
