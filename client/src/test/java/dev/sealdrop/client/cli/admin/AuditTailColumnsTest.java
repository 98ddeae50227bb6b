package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AuditEntry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code admin audit tail}'s rows stay under their header for the objects and results records hold: an upload's,
 * file's or grant's id (up to 42 characters) and results such as {@code download-stalled} (review BB: OBJECT was 24 wide,
 * RESULT 7, so most rows were pushed out from under the header).
 */
class AuditTailColumnsTest {
  @Test
  void longIdsAndResultsKeepTheColumnsUnderTheirHeader() {
    StringWriter text = new StringWriter();
    PrintWriter out = new PrintWriter(text);
    AdminViews.entryHeader(out);
    for (String[] r : List.of(new String[] {"upload:up_0123456789abcdef0123456789abcdef", "ok"},
        new String[] {"grant:g_0123456789abcdef0123456789abcdef", "download-stalled"},
        new String[] {"identity:bob", "refused"})) {
      AdminViews.entryLine(out, AuditEntry.newBuilder().setSeq(7).setTimeMillis(1_765_000_000_123L).setActor("carol")
          .setAction("grant.revoke").setObject(r[0]).setResult(r[1]).setPeer("127.0.0.1:5000").build());
    }
    out.flush();
    List<String> lines = text.toString().lines().toList();
    int result = lines.get(0).indexOf("RESULT");
    int peer = lines.get(0).indexOf("PEER");
    assertThat(lines.subList(1, lines.size())).allSatisfy(line -> {
      assertThat(line.charAt(result - 1)).as(line).isEqualTo(' ');
      assertThat(line.charAt(result)).as(line).isNotEqualTo(' ');
      assertThat(line.substring(peer)).as(line).startsWith("127.0.0.1:5000");
    });
  }
}
