package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.config.ConfigDocsTest;
import dev.sealdrop.server.core.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/protocol.md §6 says it lists every {@code sealdrop-reason} a client must handle: its table
 * names every {@link Reason} the server has, and none it does not (a new reason without a row, or a
 * row for a reason that was dropped, fails here).
 */
class ProtocolDocsTest {
  /** A row of the §6 table: {@code | status or empty | `REASON` | meaning |}. */
  private static final Pattern ROW = Pattern.compile("(?m)^\\|[^|\\n]*\\| `([A-Z_]+)` \\|");

  @Test
  void theErrorTableListsEveryReasonTheServerHas() throws IOException {
    String doc = Files.readString(ConfigDocsTest.repoRoot().resolve("docs/protocol.md"), StandardCharsets.UTF_8);
    int start = doc.indexOf("## 6. Errors");
    assertThat(start).as("docs/protocol.md has its '6. Errors' section").isNotNegative();
    String section = doc.substring(start, doc.indexOf("\n## ", start + 1));
    Set<String> documented = new TreeSet<>();
    Matcher m = ROW.matcher(section);
    while (m.find()) {
      documented.add(m.group(1));
    }
    Set<String> reasons = Arrays.stream(Reason.values()).map(Reason::name).collect(Collectors.toCollection(TreeSet::new));
    assertThat(documented).as("reasons in docs/protocol.md §6").containsExactlyInAnyOrderElementsOf(reasons);
  }
}
