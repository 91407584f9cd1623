package dev.leasehold.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the repository's Markdown files names a file that exists and, with a {@code #anchor},
 * a heading of that file (GitHub's anchor rules), so moving a section cannot leave a link pointing at nothing.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path md : markdownFiles()) {
            String text = withoutCodeBlocks(Files.readString(md));
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String url = m.group(1);
                if (url.matches("^[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                int hash = url.indexOf('#');
                String file = hash < 0 ? url : url.substring(0, hash);
                Path target = file.isEmpty() ? md : md.getParent().resolve(file).normalize();
                if (!Files.exists(target)) {
                    broken.add(ROOT.relativize(md) + ": " + url + " (no such file)");
                } else if (hash >= 0 && target.toString().endsWith(".md")
                        && !anchors(Files.readString(target)).contains(url.substring(hash + 1))) {
                    broken.add(ROOT.relativize(md) + ": " + url + " (no such heading)");
                }
            }
        }
        assertThat(broken).as("broken links in Markdown files").isEmpty();
    }

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> {
                        String rel = ROOT.relativize(p).toString();
                        return !rel.startsWith(".") && !rel.contains("/target/") && !rel.startsWith("target/")
                                && !rel.contains("node_modules");
                    })
                    .sorted().toList();
        }
    }

    private static String withoutCodeBlocks(String text) {
        StringBuilder out = new StringBuilder();
        boolean code = false;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("```")) {
                code = !code;
                continue;
            }
            if (!code) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
    static Set<String> anchors(String markdown) {
        Set<String> out = new HashSet<>();
        for (String line : withoutCodeBlocks(markdown).split("\n")) {
            if (!line.startsWith("#")) {
                continue;
            }
            String title = line.replaceFirst("^#+\\s*", "").strip();
            String slug = title.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            String unique = slug;
            for (int n = 1; out.contains(unique); n++) {
                unique = slug + "-" + n;
            }
            out.add(unique);
        }
        return out;
    }
}
