package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Timestamps;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.GrantState;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** How a grant is shown: one JSON object shape everywhere, one table line for people. */
final class GrantView {
  private GrantView() {}

  static String state(GrantState s) {
    return s == null || s == GrantState.UNRECOGNIZED ? "unknown"
        : s.name().replace("GRANT_STATE_", "").toLowerCase(Locale.ROOT);
  }

  static void writeJson(JsonGenerator g, Grant grant) throws IOException {
    g.writeStartObject();
    g.writeStringField("grant_id", grant.getGrantId());
    g.writeStringField("file_id", grant.getFileId());
    g.writeStringField("owner", grant.getOwner());
    g.writeStringField("recipient", grant.getRecipient());
    g.writeStringField("state", state(grant.getState()));
    g.writeStringField("created_at", Timestamps.ofMillis(grant.getCreatedAtMillis()));
    g.writeStringField("expires_at", Timestamps.ofMillis(grant.getExpiresAtMillis()));
    g.writeNumberField("max_downloads", grant.getMaxDownloads());
    g.writeNumberField("downloads_used", grant.getDownloadsUsed());
    g.writeNumberField("size", grant.getSize());
    g.writeStringField("fingerprint", grant.getFingerprint());
    g.writeEndObject();
  }

  /**
   * A list of grants as {@code grants} and {@code inbox} print it: {@code {"ok":true,"grants":[...]}}, or
   * a table whose second column is the recipient (grants you created) or the owner (grants addressed to you).
   */
  static Result list(List<Grant> grants, boolean showRecipient) {
    return new Result() {
      @Override
      public void writeJson(JsonGenerator g) throws IOException {
        writeJsonList(g, "grants", grants);
      }

      @Override
      public void writeHuman(PrintWriter out) {
        writeTable(out, grants, showRecipient);
      }
    };
  }

  private static void writeJsonList(JsonGenerator g, String field, List<Grant> grants) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("ok", true);
    g.writeArrayFieldStart(field);
    for (Grant x : grants) {
      writeJson(g, x);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeTable(PrintWriter out, List<Grant> grants, boolean showRecipient) {
    if (grants.isEmpty()) {
      out.println("(none)");
      return;
    }
    // the sender's view names the file each grant is for, as `sealdrop files` lists it (round CP: a sender could not
    // tell which grant to revoke); the recipient's has no use for the server's file id
    String file = showRecipient ? "%-34s  " : "%s";
    out.printf("%-34s  " + file + "%-12s  %-10s  %12s  %-5s  %s%n", "GRANT", showRecipient ? "FILE" : "",
        showRecipient ? "TO" : "FROM", "STATE", "SIZE", "USED", "EXPIRES");
    for (Grant x : grants) {
      out.printf("%-34s  " + file + "%-12s  %-10s  %12d  %2d/%-2d  %s%n", TerminalText.clean(x.getGrantId()),
          showRecipient ? TerminalText.clean(x.getFileId()) : "",
          TerminalText.clean(showRecipient ? x.getRecipient() : x.getOwner()), state(x.getState()), x.getSize(),
          x.getDownloadsUsed(), x.getMaxDownloads(), Timestamps.ofMillis(x.getExpiresAtMillis()));
    }
  }
}
