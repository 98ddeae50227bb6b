package dev.sealdrop.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/admin.md documents every configuration key the parser accepts ({@link ConfigFile#KEYS}), and no
 * key the parser does not: a new key without documentation, or a removed one still documented, fails here.
 */
public class ConfigDocsTest {
  /** A table row of the "Configuration keys" section: {@code | `key` | default | ...}. */
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9-]+)` \\|");

  @Test
  void adminDocListsEveryConfigurationKeyTheParserAccepts() throws IOException {
    String doc = Files.readString(repoRoot().resolve("docs/admin.md"), StandardCharsets.UTF_8);
    int start = doc.indexOf("## Configuration keys");
    assertThat(start).as("docs/admin.md has a 'Configuration keys' section").isNotNegative();
    int end = doc.indexOf("\n## ", start + 1);
    String section = end < 0 ? doc.substring(start) : doc.substring(start, end);
    Set<String> documented = new TreeSet<>();
    Matcher m = ROW.matcher(section);
    while (m.find()) {
      documented.add(m.group(1));
    }
    assertThat(documented).as("keys documented in docs/admin.md, 'Configuration keys'")
        .containsExactlyInAnyOrderElementsOf(ConfigFile.KEYS);
  }

  /** The repository root: the test runs in server/ (Maven's module folder) or at the root. */
  public static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("docs/admin.md")) && Files.isDirectory(p.resolve("server"))) {
        return p;
      }
    }
    throw new AssertionError("no docs/admin.md above " + Path.of("").toAbsolutePath());
  }
}
